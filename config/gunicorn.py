"""gunicorn settings that are code rather than flags (`make serve`, `bench/load.py`: `-c`)."""

import logging


def post_worker_init(worker):
    """Each worker prints a small PDF as it starts, so that the first briefing a visitor asks
    of it does not also pay for loading WeasyPrint and its fonts (legislation.reports.pdf).
    A failure here is logged and the worker serves pages all the same."""
    from legislation.reports import pdf

    try:
        pdf.warm_up()
    except Exception:
        logging.getLogger(__name__).exception("Could not warm up the PDF renderer")
