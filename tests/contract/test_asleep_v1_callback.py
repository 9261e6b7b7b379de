"""The asleep v1 callbacks (a webhook the vendor pushes): the mock's callbacks against schema and rules."""

from contractgate.gate.suite import callback_test

test_asleep_v1_callback = callback_test("asleep-v1-callback", "sessionCallback")
