"""The ORM side of the engine: Odoo records as a ``sync.engine.Side``, bindings as its
``StatusStore``, and the run of one mailbox. No protocol work here: the backends in ``sync/``
do that, and nothing here is called inside a user's request.
"""
