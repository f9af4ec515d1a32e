"""The vendored front-end files (console/static/console/vendor/README.md says where from)."""

ASSETS = {
    "pico": "console/vendor/pico/2.1.1/pico.min.css",
    "htmx": "console/vendor/htmx/2.0.11/htmx.min.js",
    "chartjs": "console/vendor/chartjs/4.6.1/chart.umd.min.js",
}
