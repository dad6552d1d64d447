"""The sales pipeline: pipelines, opportunities, tasks, reminders, forecast."""
