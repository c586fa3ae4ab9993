"""``evalscope view``: one self-contained HTML file to browse and compare runs (see ``evalscope.view.page``)."""
