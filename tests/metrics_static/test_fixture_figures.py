"""Every figure of report.json on two small fixture implementations, counted by hand.

The comments give the count line by line (fixtures/pipeline_explicit and fixtures/pipeline_durable).
"""
from __future__ import annotations


def _findings(static: dict, kind: str) -> list[tuple[str, int]]:
    return [(f["file"], f["line"]) for f in static["findings"] if f["kind"] == kind]


def test_excludes_local_harness_and_main(explicit_static):
    assert explicit_static["files"] == 3  # encode.py, store.py, validate.py
    assert explicit_static["excluded_files"] == ["__main__.py", "local/harness.py"]


def test_size_figures_of_explicit(explicit_static):
    # store.py: 30 lines, 8 blank, 2 one-line docstrings, 20 SLOC, 17 logical lines.
    # validate.py: 16 lines, 3 blank, 1 docstring, 12 SLOC, 1 comment; 13 statements, and radon counts a
    # line holding a dict display's ':' as two logical lines (lines 11, 15, 16): 16 LLOC.
    # encode.py: 27 lines, 5 blank, 1 docstring, 21 SLOC, 22 statements + 1 for the dict on line 17: 23.
    s = explicit_static
    assert (s["loc"], s["sloc"], s["lloc"], s["comments"], s["blank"]) == (73, 53, 56, 1, 16)
    assert (s["multi"], s["single_comments"]) == (0, 4)


def test_complexity_figures_of_explicit(explicit_static):
    # cyclomatic: Store.__init__ 1, Store.write 2 (one handler), Store.read 1, validate.handler 3 (handler, if),
    # encode.handler 5 (for, for-else, handler, if), encode.resend 2 (if).
    s = explicit_static
    assert s["functions"] == 6
    assert s["cyclomatic"] == {"total": 14, "max": 5, "mean": 2.33}
    # lizard: encode.handler 4 (no for-else), resend 3 (counts finally): the same total by chance.
    assert s["cyclomatic_lizard"] == {"total": 14, "max": 4, "mean": 2.33, "functions": 6}
    # cognitive: write 1 (except), validate.handler 2 (except, if), encode.handler 7 (for +1, except +2,
    # if +3, for-else +1), resend 1 (if).
    assert s["cognitive"] == {"total": 11, "max": 7, "mean": 1.83}
    validate_handler = next(f for f in s["functions_detail"] if f["file"] == "validate.py")
    assert (validate_handler["cyclomatic"], validate_handler["lizard_ccn"], validate_handler["cognitive"]) == (3, 3, 2)
    encode_handler = next(f for f in s["functions_detail"] if f["file"] == "encode.py" and f["name"] == "handler")
    assert (encode_handler["cyclomatic"], encode_handler["lizard_ccn"], encode_handler["cognitive"]) == (5, 4, 7)
    assert encode_handler["ccn_note"] == "radon 5 vs lizard 4 (explained: loop else +1)"


def test_error_handling_of_explicit(explicit_static):
    assert explicit_static["error_handling"] == {
        "try_blocks": 4,  # Store.write, validate.handler, encode.handler, encode.resend
        "except_handlers": 3,
        "finally_blocks": 1,  # encode.resend
        "raise_statements": 2,  # store.py:27, encode.py:14
        # store.write(...) supplies the condition of the Store.write wrapper; put_object with IfNoneMatch.
        "conditional_writes": 2,
        # the for-range loop whose handler goes round; `if attempts < 3` in resend.
        "retry_constructs": 2,
        # except ConditionalCheckFailedException; except ClaimLostError (raised from that handler);
        # `if item["status"] == "DONE": return`.
        "idempotency_guards": 3,
        "catchers": 0,  # no state machine definition
    }
    assert _findings(explicit_static, "conditional_write") == [("encode.py", 17), ("validate.py", 9)]
    assert _findings(explicit_static, "retry_construct") == [("encode.py", 8), ("encode.py", 22)]
    assert _findings(explicit_static, "idempotency_guard") == [("store.py", 26), ("validate.py", 10),
                                                               ("validate.py", 14)]
    assert _findings(explicit_static, "finally_block") == [("encode.py", 26)]


def test_state_handling_of_explicit(explicit_static):
    # Calls of the Store.write/Store.read wrappers replace the update_item/get_item inside them.
    assert explicit_static["state_io_calls"] == 3
    assert _findings(explicit_static, "state_io_call") == [("encode.py", 17), ("validate.py", 9), ("validate.py", 13)]
    assert explicit_static["serialization_sites"] == 2  # json.dumps in store.py:27 and encode.py:17
    assert explicit_static["durable_operation_sites"] == 0


def test_line_attribution_of_explicit(explicit_static):
    # store.py: error 4 (class ClaimLostError, try, except, raise), state 7 (update_item 6 lines, get_item),
    # orchestration 9. validate.py: error 3, state 2, media 1 (probe), orchestration 6.
    # encode.py: error 9, media 1 (encode_chunk), state 1 (put_object), orchestration 10.
    assert explicit_static["line_attribution"] == {
        "media": 2, "orchestration": 25, "state": 10, "error_handling": 16,
    }
    assert sum(explicit_static["line_attribution"].values()) == explicit_static["sloc"]


def test_stages_of_explicit_follow_file_names(explicit_static):
    stages = explicit_static["stages"]
    assert stages["validation"]["sloc"] == 12 and stages["validation"]["files"] == 1
    assert stages["encoding"]["sloc"] == 21 and stages["encoding"]["cognitive"]["total"] == 8
    assert stages["plumbing"]["sloc"] == 20 and stages["plumbing"]["functions"] == 3
    assert stages["chunking"]["sloc"] == stages["assembly"]["sloc"] == 0
    assert stages["encoding"]["error_handling"]["retry_constructs"] == 2
    assert stages["validation"]["state_io_calls"] == 2
    assert sum(stages[s]["lloc"] for s in stages) == explicit_static["lloc"]


def test_figures_of_durable(durable_static):
    s = durable_static
    assert s["files"] == 1 and s["excluded_files"] == ["local/runner.py"]
    # 27 lines, 9 blank, 1 docstring, 17 SLOC; 18 logical lines (decorators count), + 1 for the dict on line 23.
    assert (s["loc"], s["sloc"], s["lloc"], s["comments"], s["blank"]) == (27, 17, 19, 1, 9)
    assert s["functions"] == 4
    assert s["cyclomatic"] == {"total": 4, "max": 1, "mean": 1.0}
    assert s["cognitive"] == {"total": 0, "max": 0, "mean": 0.0}
    assert s["error_handling"] == {
        "try_blocks": 0, "except_handlers": 0, "finally_blocks": 0, "raise_statements": 0,
        "conditional_writes": 0, "retry_constructs": 1, "idempotency_guards": 0,  # RetryPresets.default()
        "catchers": 0,  # no state machine definition
    }
    # ctx.invoke (annotated DurableContext), context.step and context.map (@durable_execution's context);
    # pool.map is not a durable operation.
    assert _findings(s, "durable_operation_site") == [("orchestrator.py", 15), ("orchestrator.py", 20),
                                                      ("orchestrator.py", 21)]
    assert (s["state_io_calls"], s["serialization_sites"]) == (0, 0)
    assert s["line_attribution"] == {"media": 1, "orchestration": 15, "state": 0, "error_handling": 1}


def test_stages_of_durable_follow_names_and_overrides(durable_static):
    stages = durable_static["stages"]
    # validate_step (with its decorator) 3 lines, encode_one 2, report 2 (`# stage: assembly`), the rest plumbing.
    assert [stages[s]["sloc"] for s in ("validation", "chunking", "encoding", "assembly", "plumbing")] == \
        [3, 0, 2, 2, 10]
    assert stages["encoding"]["durable_operation_sites"] == 1
    assert stages["plumbing"]["durable_operation_sites"] == 2
    assert stages["assembly"]["comments"] == 1
    assert [stages[s]["functions"] for s in ("validation", "encoding", "assembly", "plumbing")] == [1, 1, 1, 1]


def test_findings_say_how_they_were_found_and_what_they_call(explicit_static):
    s = explicit_static
    assert s["how"]["error_handling.conditional_writes"] == "data flow"
    assert s["how"]["error_handling.try_blocks"] == "syntax"
    for figure, counts in s["how_counts"].items():
        total = s["error_handling"][figure.split(".")[1]] if figure.startswith("error_handling.") else s[figure]
        assert counts["syntax"] + counts["data_flow"] == total, figure
    calls = {(f["file"], f["line"]): f for f in s["findings"] if f["kind"] == "state_io_call"}
    # store.write(...) reaches Store.write by the receiver's name only (no annotation): a syntax match.
    assert (calls[("validate.py", 9)]["service"], calls[("validate.py", 9)]["operation"],
            calls[("validate.py", 9)]["how"]) == ("dynamodb", "UpdateItem", "syntax")
    assert (calls[("encode.py", 17)]["service"], calls[("encode.py", 17)]["operation"]) == ("s3", "PutObject")
    assert all(f["how"] in ("syntax", "data_flow") for f in s["findings"])
