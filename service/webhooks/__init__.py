"""The webhooks domain: where deliveries may go, and signed deliveries retried until they land."""
