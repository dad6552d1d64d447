"""GraphQL for webhooks."""
