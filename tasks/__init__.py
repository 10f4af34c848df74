"""Pipeline stages. Each ``tasks/<stage>/`` holds plain-Python core modules plus a ``steps.py`` of Prefect tasks."""
