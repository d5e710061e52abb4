"""Thin listeners: ack, pull plain values out of the payload, call a service, render."""
