"""The video pipeline on AWS Step Functions: an ASL state machine (validate, chunk, a Map of encode tasks,
assemble, a cleanup-and-fail path) over Lambda task functions.

Deployable: ``statemachine.asl.json``, ``tasks`` (the Lambda handlers), ``failure`` (the failure path's
reason), ``storage`` (S3 I/O), ``config``, ``exceptions`` and ``template.yaml``. The local harness (moto
interpreting the ASL, the handlers called in process) is ``stepfunctions_ref.local``.
"""
