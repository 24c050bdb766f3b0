"""SMS and web push beside email: an outbox for both channels, their backends (a development
file backend shown at /dev/sms/, Twilio; pywebpush), Twilio's webhooks (delivery status,
inbound STOP/START/HELP), push subscriptions and the service worker. See README "SMS and
web push"."""
