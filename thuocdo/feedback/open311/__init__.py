"""Open311 GeoReport v2 on top of the feedback desk (mounted at /open311/v2/).

Services are the desk's topics; a service request is one `Item`. Reads are public and
never show contact data; filing needs an integrator's API token as `api_key`. Every
answer exists in XML (required by the spec) and JSON, chosen by the URL's suffix. See
docs/decisions/0026 and 0027 for the mapping and what is published.
"""
