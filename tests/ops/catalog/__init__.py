"""The op catalog's rows, one module per op family (matching ``tinygrad_edu/ops/*.py``).

``base.py`` holds the framework the family modules build their ``ROWS`` with;
``tests/ops/op_catalog.py`` joins the families into the catalog the tests import.
"""
