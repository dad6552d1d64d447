"""Chat links: binding chats to staff members."""
