"""In-app notifications, per-user preferences and the email outbox."""
