"""The simulator's EWS front end: SOAP 1.1 at ``/EWS/Exchange.asmx``, one file per concern."""
