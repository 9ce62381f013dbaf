"""The program `spark-submit` runs: the `ficdex spark` commands, with the
master and resources spark-submit was given.

    spark-submit --master yarn … submit.py analyze s3a://corpus/works.parquet s3a://out/ficdex

spark-submit needs a file, not a module, as its program; docs/scale.md shows
how to take this one out of the wheel.
"""

from ficdex.spark.cli import app

if __name__ == "__main__":
    app(prog_name="ficdex spark")
