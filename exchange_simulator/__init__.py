"""A local stand-in for Microsoft Exchange: EWS SOAP, Graph REST and the Microsoft login.

It shares no code with the addon, on purpose: a mapping mistake must not be able to hide by
living on both sides of the wire.
"""
