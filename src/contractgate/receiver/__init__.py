"""The webhook receiver: a customer's callback URL on this machine that checks and keeps every delivery.

``app`` is the ASGI application (``create_receiver``): authentication, bounds, the contract check and the
answer; ``store`` is the durable store, one file per delivery, each delivery stored once. See docs/receiver.md.
"""
