import os
import sys

from baseline.local.cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
# Everything is written and closed by now; skip the interpreter's teardown of boto3's and moto's module
# graph, which takes about half a second and is no part of the job.
os._exit(code)
