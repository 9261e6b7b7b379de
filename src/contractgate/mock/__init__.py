"""A faithful mock of the Asleep, Upheal and Emogg session APIs, with drift profiles and webhook callbacks.

Generation is pure: ``asleep``, ``upheal`` and ``emogg`` turn (seed, session id) into the vendor's answer;
``app`` serves them over HTTP (``create_app``); ``callbacks`` renders and plays the Asleep v1 webhooks;
``profiles`` holds the simulated vendor changes. See docs/mock.md.
"""
