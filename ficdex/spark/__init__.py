"""ficdex on Apache Spark: `job` (the analysis as a DataFrame job), `schema`
(its typed output), `index` (results into the library), `cli`.
Needs the `spark` extra: pip install 'ficdex[spark]'."""
