"""The lab's web servers: the CORS-unaware API, its flask-cors twin, and the origins' pages."""
