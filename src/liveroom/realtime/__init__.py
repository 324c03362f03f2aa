"""The realtime client gateway: end users on WebSockets, room events fanned out to them (docs/realtime.md)."""
