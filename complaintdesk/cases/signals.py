"""Signals the register sends so capabilities can react without the register importing them.

`case_changed` is sent by `services.record` for every timeline event it writes, inside the
state change's transaction: a receiver's rows commit or roll back with the change itself.
Keyword arguments: `case` (the case as the change left it) and `event` (the saved Event).
"""

from django.dispatch import Signal

case_changed = Signal()
