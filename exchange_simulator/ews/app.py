"""WSGI entry of the EWS front end (mounted at ``/EWS/`` by the simulator's dispatcher)."""


def make_app(simulator):
    def app(environ, start_response):
        body = b"EWS front end not implemented yet"
        start_response("501 Not Implemented", [("Content-Length", str(len(body)))])
        return [body]

    return app
