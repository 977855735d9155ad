# gunicorn -c config/gunicorn.conf.py "lti_tool:create_app()"
import os

bind = os.environ.get("RAPPORT_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("RAPPORT_WEB_WORKERS", "2"))
threads = 4
timeout = 30
forwarded_allow_ips = "*"
accesslog = "-"
# Path only: launch tokens travel in query strings (and so in Referer), never logged.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
