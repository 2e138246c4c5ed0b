#!/bin/sh
# Keep the last 7 days of the service's logs.
find "${1:-/var/log/ingest}" -name '*.log' -mtime +7 -delete
