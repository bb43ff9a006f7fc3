"""The exercise tests judge behaviour: every plausible wrong answer fails, every right one passes.

A *mutant* is the current solution with one mistake a student would really make edited in; an
*alternative* is the current solution rewritten in another correct spelling. Both are built
afresh on every run from solutions/, so they cannot drift: if the solution changes so that an
edit no longer applies, this test says so. Mutants must fail (some with a message that names
the mistake); alternatives must pass.
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE.parent / "solutions"
SOLUTION_FILES = {path.stem[:5]: path.name for path in SOLUTIONS.glob("ex*.py")}

SEND_ONCE_CLAIM = ('    if not conn.set(key, "sending", nx=True, ex=claim_seconds):\n'
                   "        return False")
BULK = ('    return queue.enqueue_many([\n'
        '        Queue.prepare_data(jobs.send_welcome_email, args=[user_id], '
        'job_id=f"welcome-{user_id}")\n'
        '        for user_id in user_ids\n'
        '    ])')
#: 08a's bulk enqueue, as the solution spells it, and the sleeping demo job it names (the
#: workbook's ``sleep_for``, imported however the solution imports it).
_BULK_08A = re.search(r"queue\.enqueue_many\(\[queue\.prepare_data\((?P<func>[\w.]+), "
                      r"\[seconds_per_job\]\)\s+for _ in range\(n_jobs\)\]\)",
                      SOLUTIONS.joinpath(SOLUTION_FILES["ex08a"]).read_text())
ENQUEUE_MANY_08A = _BULK_08A.group(0) if _BULK_08A else "queue.enqueue_many("
SLEEP_FOR_08A = _BULK_08A.group("func") if _BULK_08A else "demo_jobs.sleep_for"
TOKEN_BUCKET_RETURN = "    return float(connection.eval(script, 1, key, rate, burst))"
WEIGHTED_LOOP = SOLUTIONS.joinpath(SOLUTION_FILES["ex05b"]).read_text().split(
    "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0]

#: name: (exercise, text in the solution, the wrong text, the mistake, words the failure shows)
MUTANTS = {
    # 01a: a queue by hand
    "lifo_instead_of_fifo": ("ex01a", "conn.brpop(queue, timeout=timeout)",
                             "conn.blpop(queue, timeout=timeout)", "BLPOP: newest first",
                             "first in, first out"),
    "pop_does_not_block": ("ex01a", "conn.brpop(queue, timeout=timeout)",
                           "(lambda v: v and (queue, v))(conn.rpop(queue))",
                           "RPOP: a worker spins on an empty queue", "block"),
    "payload_not_json": ("ex01a", "json.dumps(payload)", "str(payload)",
                         "str() of a dict is not JSON", None),
    "sleeps_then_looks": ("ex01a", "    item = conn.brpop(queue, timeout=timeout)\n"
                          "    if item is None:\n        return None\n"
                          "    return json.loads(item[1])",
                          "    import time  # noqa: PLC0415\n\n"
                          "    item = conn.rpop(queue)\n    if item is None:\n"
                          "        time.sleep(timeout)\n        item = conn.rpop(queue)\n"
                          "    return None if item is None else json.loads(item)",
                          "looks, sleeps the whole timeout, looks again: a job waits for nothing",
                          "as soon as it arrives"),
    # 01b: a reliable queue
    "take_is_two_commands": ("ex01b", 'item = conn.blmove(queue, processing, timeout, "RIGHT", '
                             '"LEFT")', "item = conn.rpop(queue)\n    if item is not None:\n"
                             "        conn.lpush(processing, item)",
                             "pop then push: a crash between them loses the item", "atomic"),
    "ack_before_work": ("ex01b", "    handler(item)\n    conn.lrem(processing, 1, item)",
                        "    conn.lrem(processing, 1, item)\n    handler(item)",
                        "acknowledged before the work: a crash loses the job", "after success"),
    "takes_the_newest": ("ex01b", '"RIGHT", "LEFT"', '"LEFT", "LEFT"',
                         "takes from the producers' end", "oldest"),
    "take_does_not_wait": ("ex01b", 'conn.blmove(queue, processing, timeout, "RIGHT", "LEFT")',
                           'conn.lmove(queue, processing, "RIGHT", "LEFT")',
                           "LMOVE, not BLMOVE: a worker spins on an empty queue", "wait"),
    "ack_clears_processing": ("ex01b", "conn.lrem(processing, 1, item)",
                              "conn.delete(processing)",
                              "acknowledges by deleting the list: other workers' items go too",
                              "only the one item"),
    # 02a: the welcome email
    "name_not_escaped": ("ex02a", "{html.escape(name)}", "{name}", "markup injection",
                         "escape"),
    "html_only": ("ex02a", 'msg.set_content(f"Hi {name},\\n\\nWelcome aboard!\\n")\n'
                  '    msg.add_alternative(', "msg.set_content(", "no text part",
                  "multipart/alternative"),
    "address_without_name": ("ex02a", "formataddr((name, address))", "address",
                             "To without the name", "Name <address>"),
    "text_part_escaped_too": ("ex02a", 'msg.set_content(f"Hi {name},',
                              'msg.set_content(f"Hi {html.escape(name)},',
                              "escapes the plain text too: O'Brien reads O&#x27;Brien",
                              "as it is"),
    # 02b: timing a signup
    "raises_on_4xx": ("ex02b", "    except urllib.error.HTTPError as err:\n        err.read()\n"
                      "        status = err.code", "    except ConnectionRefusedError:\n"
                      "        raise", "a 400 answer becomes an exception", "return its status"),
    "clock_started_after_the_answer": (
        "ex02b", "            response.read()\n            status = response.status",
        "            started = time.perf_counter()\n            response.read()\n"
        "            status = response.status", "times only the body, not the wait",
        "start the clock"),
    "body_never_read": ("ex02b",
                        "            response.read()\n            status = response.status",
                        "            status = response.status",
                        "stops at the status line: a slow body is not counted",
                        "whole response"),
    # 03a: the tutorial's two edits, the job and the enqueue
    "job_sends_the_followup": ("ex03a", '"welcome", load_settings()', '"followup", load_settings()',
                               "the wrong email, and the welcome never recorded", "welcome"),
    "job_sends_every_time": (
        "ex03a", '    return send_user_mail(user_id, "welcome", load_settings())',
        "    from mailer_app import db  # noqa: PLC0415\n\n"
        "    settings = load_settings()\n"
        '    with db.connection(settings["DATABASE"]) as conn:\n'
        '        conn.execute("UPDATE users SET welcome_sent_at = NULL WHERE id = ?", (user_id,))\n'
        '    return send_user_mail(user_id, "welcome", settings)',
        "forgets the sent mark: a retry sends again", "a repeated job sends once"),
    "wrong_queue": ("ex03a", 'get_queue("mailers"', 'get_queue("default"',
                    "the default queue: the notebook's worker never sees it", "mailers"),
    "no_job_id": ("ex03a", 'job_id=f"welcome-{user_id}", unique=True', "",
                  "random ids: duplicates not refused", "welcome-<user_id>"),
    "duplicates_accepted": ("ex03a", ", unique=True", "", "a second enqueue replaces the first",
                            "DuplicateJobError"),
    "the_apps_own_job": ("ex03a", "send_welcome, user_id,",
                         '"mailer_app.jobs.send_welcome_email", user_id,',
                         "enqueues the app's job, not the student's", "your ex03a_enqueue"),
    "calls_instead_of_enqueueing": (
        "ex03a", 'return get_queue("mailers", connection).enqueue(\n'
        '        send_welcome, user_id, job_id=f"welcome-{user_id}", unique=True\n    )',
        "return send_welcome(user_id)", "sends inline again", None),
    "pickled_job": (
        "ex03a", 'return get_queue("mailers", connection).enqueue(',
        "from rq import Queue  # noqa: PLC0415\n\n"
        '    return Queue("mailers", connection=connection).enqueue(',
        "RQ's default pickle serializer, no allowlist", "not stored as JSON"),
    "job_swallows_user_not_found": (
        "ex03a", '    return send_user_mail(user_id, "welcome", load_settings())',
        "    from mailer_app.jobs import UserNotFound  # noqa: PLC0415\n\n"
        "    try:\n"
        '        return send_user_mail(user_id, "welcome", load_settings())\n'
        "    except UserNotFound:\n"
        "        return None",
        "an unknown id 'succeeds': the failed job is hidden", "UserNotFound"),
    # 03b: JSON arguments
    "tuple_not_listed": ("ex03b", "isinstance(value, (list, tuple))", "isinstance(value, list)",
                         "tuples fall through to the TypeError", None),
    "datetime_as_str": ("ex03b", "return value.isoformat()", "return str(value)",
                        "str() of a datetime is not ISO 8601", "ISO 8601"),
    "any_dict_key": ("ex03b", "        if not all(isinstance(key, str) for key in value):\n"
                     '            raise TypeError("dict keys must be strings")\n', "",
                     "int keys silently become text", "non-text dict keys"),
    "type_not_named": ("ex03b", 'raise TypeError(f"cannot pass a {type(value).__name__} to a '
                       'job: pass an id instead")',
                       'raise TypeError("this value cannot be a job argument: pass an id '
                       'instead")',
                       "the error does not say which type was refused", "name the type"),
    "dict_converted_in_place": ("ex03b", "        return {key: to_job_args(item) for key, item "
                                "in value.items()}",
                                "        for key, item in value.items():\n"
                                "            value[key] = to_job_args(item)\n"
                                "        return value",
                                "the caller's dict is rewritten", "converted copy"),
    # 04a: a job report
    "every_open_status_is_queued": (
        "ex04a", 'report = {"id": job_id, "status": status}',
        'report = {"id": job_id, "status": status if status in ("finished", "failed") '
        'else "queued"}', "started, scheduled and deferred reported as queued",
        "report every other status"),
    "whole_traceback": ("ex04a", "exc_string.strip().splitlines()[-1]", "exc_string",
                        "the whole traceback, not its last line", "last line"),
    "missing_raises": ("ex04a", "    except NoSuchJobError:\n", "    except KeyError:\n",
                       "a missing job raises", None),
    "first_line_of_traceback": ("ex04a", "exc_string.strip().splitlines()[-1]",
                                "exc_string.strip().splitlines()[0]",
                                "'Traceback (most recent call last):', not the error",
                                "last line"),
    # 04b: retries
    "linear_backoff": ("ex04b", "int(base * 2**i)", "int(base * (i + 1))",
                       "10, 20, 30 s, not 10, 20, 40", "doubles"),
    "one_wait_short": ("ex04b", "for i in range(attempts)]", "for i in range(attempts - 1)]",
                       "the last try never gets its wait", "doubles"),
    "retry_not_passed": ("ex04b", "retry=backoff_retry(attempts, base))",
                         "job_timeout=backoff_retry(attempts, base).max)",
                         "the Retry never reaches the job", "without the Retry"),
    "max_counts_the_first_try": ("ex04b", "Retry(max=attempts,", "Retry(max=attempts - 1,",
                                 "attempts read as tries in all: one retry short",
                                 "the Retry allows"),
    # 05a: routing
    "unknown_goes_low": ("ex05a", 'routes.get(kind, "default")', 'routes.get(kind, "low")',
                         "unknown kinds starve on low", "'thumbnail'"),
    "welcome_on_default": ("ex05a", '"welcome": "mailers"', '"welcome": "default"',
                           "the welcome email routed to default", "'welcome'"),
    "routed_queue_built_by_hand": (
        "ex05a", "return get_queue(queue_for(kind), conn).enqueue(func, *args)",
        "from rq import Queue  # noqa: PLC0415\n\n"
        "    return Queue(queue_for(kind), connection=conn).enqueue(func, *args)",
        "RQ's default pickle serializer: the workers here cannot read it", "not stored as JSON"),
    "args_as_one_tuple": ("ex05a", "enqueue(func, *args)", "enqueue(func, args)",
                          "the arguments passed as one tuple: add((1, 2))", "is a tuple"),
    # 05b: weighted order
    "only_first_place_weighted": (
        "ex05b", WEIGHTED_LOOP,
        "    draw = rng.random() * sum(remaining.values())\n"
        "    for name, weight in remaining.items():\n"
        "        draw -= weight\n"
        "        if draw < 0:\n"
        "            break\n"
        "    order.append(name)\n"
        "    order.extend(other for other in remaining if other != name)\n",
        "first place by weight, the rest in a fixed order", "after the first place"),
    "draw_scaled_by_count": ("ex05b", "draw = rng.random() * total",
                             "draw = rng.random() * len(remaining)",
                             "the draw spans the number of queues, not the total weight",
                             "by weight"),
    "sorted_by_weight": ("ex05b", WEIGHTED_LOOP,
                         "    order.extend(sorted(remaining, key=remaining.get, reverse=True))\n",
                         "heaviest first, always: strict priority again, low starves",
                         "by weight"),
    # 06a: a reminder at a moment
    "naive_datetime_accepted": ("ex06a", '    if when.tzinfo is None:\n        raise ValueError('
                                '"when must be timezone-aware, e.g. datetime.now(UTC) + '
                                'timedelta(...)")\n    if when <= datetime.now(UTC):',
                                "    if when.timestamp() <= datetime.now(UTC).timestamp():",
                                "a naive datetime is scheduled, hours off", "naive"),
    "past_accepted": ("ex06a", "    if when <= datetime.now(UTC):\n        raise ValueError("
                      '"when is in the past")\n', "", "a reminder in the past", "past"),
    "naive_assumed_utc": ("ex06a", '        raise ValueError("when must be timezone-aware, e.g. '
                          'datetime.now(UTC) + timedelta(...)")',
                          "        when = when.replace(tzinfo=UTC)",
                          "a naive time 'fixed' as UTC: hours off wherever local time is not UTC",
                          "naive"),
    "reminder_pickled": ("ex06a", 'return get_queue("mailers", conn).enqueue_at(',
                         "from rq import Queue  # noqa: PLC0415\n\n"
                         '    return Queue("mailers", connection=conn).enqueue_at(',
                         "RQ's default pickle serializer: the workers here cannot read it",
                         "not stored as JSON"),
    # 06b: cron
    "every_day_digest": ("ex06b", '"30 8 * * 1-5"', '"30 8 * * *"', "weekends too",
                         "Monday to Friday"),
    "minute_and_hour_swapped": ("ex06b", '"30 8 * * 1-5"', '"8 30 * * 1-5"',
                                    "minute and hour swapped", None),
    "scrape_every_minute": ("ex06b", "interval=30", "interval=60", "every 60 s",
                            "30 seconds"),
    "sunday_to_thursday": ("ex06b", '"30 8 * * 1-5"', '"30 8 * * 0-4"',
                           "day 0 read as Monday: cron's 0 is Sunday", "Monday to Friday"),
    # 07a: sending once
    "claim_not_atomic": ("ex07a", SEND_ONCE_CLAIM, '    if conn.get(key) is not None:\n'
                         '        return False\n    conn.set(key, "sending", ex=claim_seconds)',
                         "GET then SET: two concurrent callers both send", "atomic"),
    "claim_never_expires": ("ex07a", 'nx=True, ex=claim_seconds)', "nx=True)",
                            "a dead worker blocks the email forever", "expire"),
    "claim_kept_on_failure": ("ex07a", "        conn.delete(key)\n        raise",
                              "        raise", "a failed send can never be retried",
                              "release the claim"),
    "ttl_ignored": ("ex07a", 'conn.set(key, "sent", ex=ttl)', 'conn.set(key, "sent", ex=WEEK)',
                    "the ttl argument ignored: always a week", "lasts ttl seconds"),
    # 07b: the allowlist
    "prefix_allowlist": ("ex07b", "module not in set(modules)",
                         "not any(module.startswith(m) for m in modules)",
                         "a prefix passes for a module", "exactly these modules"),
    "private_allowed": ("ex07b", ' and not function.startswith("_")', "",
                        "_private functions run", "public functions"),
    "split_at_the_first_dot": ("ex07b", 'func_name.rpartition(".")', 'func_name.partition(".")',
                               "module 'mailer_app', function 'jobs.send': nothing passes",
                               "was refused"),
    # 08a: throughput
    "one_worker_only": ("ex08a", "for _ in range(n_workers):", "for _ in range(1):",
                        "n_workers ignored", "start n_workers"),
    "clock_stopped_early": ("ex08a", "        for worker in workers:\n"
                            "            worker.wait(timeout=300)\n"
                            "        elapsed = time.perf_counter() - started",
                            "        elapsed = time.perf_counter() - started\n"
                            "        for worker in workers:\n"
                            "            worker.wait(timeout=300)",
                            "timed before the jobs finished", "stop the clock"),
    "no_cleanup_on_failure": (
        "ex08a", "    try:\n"
        "        for _ in range(n_workers):\n"
        '            workers.append(services.start_worker(redis_url, ["default"], burst=True,\n'
        "                                                 with_scheduler=False))\n"
        "        for worker in workers:\n"
        "            worker.wait(timeout=300)\n"
        "        elapsed = time.perf_counter() - started\n"
        "    finally:\n"
        "        for worker in workers:\n"
        "            worker.stop()\n",
        "    for _ in range(n_workers):\n"
        '        workers.append(services.start_worker(redis_url, ["default"], burst=True,\n'
        "                                             with_scheduler=False))\n"
        "    for worker in workers:\n"
        "        worker.wait(timeout=300)\n"
        "    elapsed = time.perf_counter() - started\n"
        "    for worker in workers:\n"
        "        worker.stop()\n",
        "no try/finally: a failure leaves workers running", "also when something fails"),
    # 08b: bulk enqueue
    "one_by_one": ("ex08b", BULK, '    return [queue.enqueue(jobs.send_welcome_email, user_id, '
                   'job_id=f"welcome-{user_id}")\n            for user_id in user_ids]',
                   "a round trip per job", "one round trip"),
    "bulk_without_ids": ("ex08b", ', job_id=f"welcome-{user_id}"', "",
                         "random ids: duplicates not refused", "welcome-<user_id>"),
    "enqueue_many_per_user": (
        "ex08b", BULK,
        "    return [queue.enqueue_many([Queue.prepare_data(jobs.send_welcome_email, "
        "args=[user_id],\n"
        '                                                job_id=f"welcome-{user_id}")])[0]\n'
        "            for user_id in user_ids]",
        "enqueue_many called once per user: still a round trip per job", "one round trip"),
    # 10a: a token bucket in Redis
    "bucket_on_the_workers_clock": (
        "ex10a", ("    local now = redis.call('TIME')\n"
                  "    now = tonumber(now[1]) + tonumber(now[2]) / 1000000",
                  "connection.eval(script, 1, key, rate, burst)"),
        ("    local now = tonumber(ARGV[3])",
         "connection.eval(script, 1, key, rate, burst, __import__('time').time())"),
        "the worker's own clock: hosts whose clocks disagree share no bucket", "(TIME)"),
    "refusal_takes_a_token": (
        "ex10a", "if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end",
        "tokens = tokens - 1\n    if tokens < 0 then wait = -tokens / rate end",
        "a refused take still takes a token: waits grow without end", "use up a token"),
    "bucket_without_a_cap": (
        "ex10a", "tokens = math.min(burst, tokens + math.max(0, now - last) * rate)",
        "tokens = tokens + math.max(0, now - last) * rate",
        "an idle bucket fills past its burst, then lets a flood through", "at most burst"),
    "read_and_write_in_python": (
        "ex10a", ("    script = \"\"\"", TOKEN_BUCKET_RETURN),
        ("    seconds, micros = connection.time()\n"
         "    now = seconds + micros / 1e6\n"
         "    tokens, last = connection.hmget(key, 'tokens', 'last')\n"
         "    tokens = burst if tokens is None else float(tokens)\n"
         "    last = now if last is None else float(last)\n"
         "    tokens = min(burst, tokens + max(0.0, now - last) * rate)\n"
         "    wait = 0.0 if tokens >= 1 else (1 - tokens) / rate\n"
         "    connection.hset(key, mapping={'tokens': tokens - (wait == 0), 'last': now})\n"
         "    connection.expire(key, 5)\n"
         "    return wait\n"
         "    unused = \"\"\"",
         "    return float(unused and wait)"),
        "read, then write, from Python: two workers take the same token", "same token"),
    "bucket_that_never_expires": (
        "ex10a", "    redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1)\n", "",
        "the key stays in Redis forever", "expire"),
}

#: name: (exercise, text in the solution, another correct spelling of it)
ALTERNATIVES = {
    "registered_script": (
        "ex10a", "return float(connection.eval(script, 1, key, rate, burst))",
        "return float(connection.register_script(script)(keys=[key], args=[rate, burst]))"),
    "watch_and_multi": (
        "ex10a", ("    script = \"\"\"", TOKEN_BUCKET_RETURN),
        ("    def attempt(pipe):\n"
         "        seconds, micros = pipe.time()\n"
         "        now = seconds + micros / 1e6\n"
         "        tokens, last = pipe.hmget(key, 'tokens', 'last')\n"
         "        tokens = burst if tokens is None else float(tokens)\n"
         "        last = now if last is None else float(last)\n"
         "        tokens = min(burst, tokens + max(0.0, now - last) * rate)\n"
         "        wait = 0.0 if tokens >= 1 else (1 - tokens) / rate\n"
         "        pipe.multi()\n"
         "        pipe.hset(key, mapping={'tokens': tokens - (wait == 0), 'last': now})\n"
         "        pipe.expire(key, int((burst - tokens) / rate) + 2)\n"
         "        return wait\n"
         "    unused = \"\"\"",
         "    return float(connection.transaction(attempt, key, value_from_callable=True))")),
    "rpush_and_blpop": ("ex01a", ("conn.lpush(queue, json.dumps(payload))", "conn.brpop("),
                        ("conn.rpush(queue, json.dumps(payload))", "conn.blpop(")),
    "unpack_and_decode": ("ex01a", ("return conn.lpush(queue, json.dumps(payload))",
                                    "    item = conn.brpop(queue, timeout=timeout)\n"
                                    "    if item is None:\n        return None\n"
                                    "    return json.loads(item[1])"),
                          ("length = conn.lpush(queue, json.dumps(payload, "
                           'separators=(",", ":")))\n    return length',
                           "    result = conn.brpop([queue], timeout)\n"
                           "    if not result:\n        return None\n"
                           "    _key, raw = result\n"
                           '    return json.loads(raw.decode("utf-8"))')),
    "brpoplpush": ("ex01b", 'conn.blmove(queue, processing, timeout, "RIGHT", "LEFT")',
                   "conn.brpoplpush(queue, processing, timeout)"),
    "raw_command_and_lrem_from_the_tail": (
        "ex01b", ('    item = conn.blmove(queue, processing, timeout, "RIGHT", "LEFT")\n'
                  "    return None if item is None else item.decode()",
                  "    handler(item)\n    conn.lrem(processing, 1, item)"),
        ('    moved = conn.execute_command("BLMOVE", queue, processing, "RIGHT", "LEFT", '
         "timeout)\n"
         "    if moved is None:\n        return None\n"
         '    return str(moved, "utf-8")',
         "    handler(item)  # if this raises, the LREM below never runs\n"
         "    conn.lrem(processing, -1, item)")),
    "to_header_by_hand": ("ex02a", "formataddr((name, address))", 'f"{name} <{address}>"'),
    "address_object_and_concatenation": (
        "ex02a", ('msg["To"] = formataddr((name, address))',
                  'msg.set_content(f"Hi {name},\\n\\nWelcome aboard!\\n")\n'
                  '    msg.add_alternative(f"<h1>Welcome, {html.escape(name)}!</h1>'
                  '<p>Welcome aboard!</p>",\n                        subtype="html")'),
        ("from email.headerregistry import Address  # noqa: PLC0415\n"
         "    from xml.sax.saxutils import escape  # noqa: PLC0415\n\n"
         '    msg["To"] = Address(display_name=name, addr_spec=address)',
         'msg.set_content("Hello " + name + ", thanks for signing up.")\n'
         "    page = ('<html><body><h1 style=\"color: #333\">Hello ' + escape(name) + '</h1>'\n"
         "            '<p>Thanks for signing up.</p></body></html>')\n"
         '    msg.add_alternative(page, subtype="html")')),
    "monotonic_clock": ("ex02b", "time.perf_counter()", "time.monotonic()"),
    "http_client_by_hand": (
        "ex02b", SOLUTIONS.joinpath(SOLUTION_FILES["ex02b"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        "    import http.client  # noqa: PLC0415\n"
        "    from urllib.parse import urlsplit  # noqa: PLC0415\n\n"
        "    url = urlsplit(base_url)\n"
        "    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)\n"
        "    t0 = time.monotonic()\n"
        '    connection.request("POST", url.path + "/users", body,\n'
        '                       {"Content-Type": "application/json"})\n'
        "    answer = connection.getresponse()\n"
        "    answer.read()\n"
        "    took = time.monotonic() - t0\n"
        "    connection.close()\n"
        "    return answer.status, took\n"),
    "queue_built_by_hand": (
        "ex03a", 'return get_queue("mailers", connection).enqueue(\n'
        '        send_welcome, user_id, job_id=f"welcome-{user_id}", unique=True\n    )',
        "from rq import Queue  # noqa: PLC0415\n"
        "    from rq.serializers import JSONSerializer  # noqa: PLC0415\n\n"
        "    from mailer_app.queues import AllowlistJob  # noqa: PLC0415\n\n"
        '    queue = Queue("mailers", connection=connection, serializer=JSONSerializer,\n'
        "                  job_class=AllowlistJob)\n"
        '    return queue.enqueue_call("ex03a_enqueue.send_welcome", args=(user_id,),\n'
        '                              job_id=f"welcome-{user_id}", unique=True)'),
    "the_apps_welcome_job_and_args_keyword": (
        "ex03a", ("from mailer_app.config import load_settings  # noqa: PLC0415\n"
                  "    from mailer_app.jobs import send_user_mail  # noqa: PLC0415\n\n"
                  '    return send_user_mail(user_id, "welcome", load_settings())',
                  'return get_queue("mailers", connection).enqueue(\n'
                  '        send_welcome, user_id, job_id=f"welcome-{user_id}", unique=True\n    )'),
        ("from mailer_app import jobs  # noqa: PLC0415\n\n"
         "    return jobs.send_welcome_email(user_id)",
         'mailers = get_queue(name="mailers", connection=connection)\n'
         "    job = mailers.enqueue(send_welcome, args=(user_id,), job_id=\"welcome-\" + "
         "str(user_id),\n"
         "                          unique=True)\n"
         "    return job")),
    "sets_via_sorted_list": ("ex03b", "return sorted(to_job_args(item) for item in value)",
                             "return [to_job_args(item) for item in sorted(value)]"),
    "match_statement": (
        "ex03b", SOLUTIONS.joinpath(SOLUTION_FILES["ex03b"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        "    match value:\n"
        "        case None | str() | bool() | int() | float():\n"
        "            return value\n"
        "        case dt.date():  # a datetime is a date too\n"
        "            return value.isoformat()\n"
        "        case Decimal() | uuid.UUID():\n"
        "            return str(value)\n"
        "        case list() | tuple():\n"
        "            return list(map(to_job_args, value))\n"
        "        case set() | frozenset():\n"
        "            return sorted(map(to_job_args, value))\n"
        "        case dict() if all(type(key) is str for key in value):\n"
        "            return {key: to_job_args(item) for key, item in value.items()}\n"
        "        case _:\n"
        "            raise TypeError(f\"{type(value)} is not JSON; send its id\")\n"),
    "status_by_properties": ("ex04a", "    if status == \"finished\":",
                             "    if job.is_finished:"),
    "exists_then_latest_result": (
        "ex04a", SOLUTIONS.joinpath(SOLUTION_FILES["ex04a"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        "    if not Job.exists(job_id, connection=conn):\n"
        '        return {"id": job_id, "status": "missing"}\n'
        "    job = Job.fetch(job_id, connection=conn, serializer=JSONSerializer)\n"
        '    report = {"id": job.id, "status": job.get_status().value}\n'
        "    result = job.latest_result()\n"
        '    if report["status"] == "finished":\n'
        '        report["result"] = result.return_value\n'
        '    elif report["status"] == "failed":\n'
        '        lines = [line for line in result.exc_string.split("\\n") if line.strip()]\n'
        '        report["error"] = lines[-1]\n'
        "    return report\n"),
    "shifted_backoff": ("ex04b", "int(base * 2**i)", "int(base) << i"),
    "doubling_loop_and_enqueue_call": (
        "ex04b", ('    if attempts < 1:\n        raise ValueError("attempts must be at least 1")\n'
                  "    return Retry(max=attempts, interval=[int(base * 2**i) for i in "
                  "range(attempts)])",
                  "return queue.enqueue(func, *args, retry=backoff_retry(attempts, base))"),
        ("    waits = []\n    wait = base\n    for _ in range(attempts):\n"
         "        waits.append(int(wait))\n        wait = wait * 2\n"
         "    return Retry(max=attempts, interval=waits)  # RQ refuses max=0 itself",
         "return queue.enqueue_call(func, args=args, retry=backoff_retry(attempts, base))")),
    "routes_by_if": ("ex05a", "return routes.get(kind, \"default\")",
                     "if kind in routes:\n        return routes[kind]\n    return \"default\""),
    "match_and_a_named_queue": (
        "ex05a", (SOLUTIONS.joinpath(SOLUTION_FILES["ex05a"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
            "return get_queue(queue_for(kind), conn).enqueue(func, *args)"),
        ("    match kind:\n"
         '        case "password_reset" | "login_code":\n'
         '            return "high"\n'
         '        case "welcome" | "followup":\n'
         '            return "mailers"\n'
         '        case "digest" | "report" | "scrape":\n'
         '            return "low"\n'
         "        case _:\n"
         '            return "default"\n',
         "name = queue_for(kind)\n"
         "    queue = get_queue(name, connection=conn)\n"
         "    job = queue.enqueue(func, *args)\n"
         "    return job")),
    "choices_one_at_a_time": ("ex05b", WEIGHTED_LOOP,
                              "    while remaining:\n"
                              "        names = [n for n, w in remaining.items() if w > 0]\n"
                              "        if not names:\n"
                              "            order += list(remaining)\n"
                              "            break\n"
                              "        [pick] = rng.choices(names, weights=[remaining[n] for n in "
                              "names])\n"
                              "        order.append(pick)\n"
                              "        remaining.pop(pick)\n"),
    "exponential_keys": ("ex05b", WEIGHTED_LOOP,
                         "    keys = {name: (rng.random() ** (1 / weight) if weight > 0 else -1)\n"
                         "            for name, weight in remaining.items()}\n"
                         "    order.extend(sorted(keys, key=lambda name: -keys[name]))\n"),
    "enqueue_in_the_difference": (
        "ex06a", 'return get_queue("mailers", conn).enqueue_at(\n'
        '        when, jobs.send_followup_email,',
        'return get_queue("mailers", conn).enqueue_in(\n'
        "        when - datetime.now(UTC), jobs.send_followup_email,"),
    "utcoffset_and_a_string_path": (
        "ex06a", SOLUTIONS.joinpath(SOLUTION_FILES["ex06a"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        "    if when.utcoffset() is None:\n"
        '        raise ValueError(f"{when} has no time zone")\n'
        "    if (when - datetime.now(UTC)).total_seconds() <= 0:\n"
        '        raise ValueError(f"{when} has already passed")\n'
        '    mailers = get_queue("mailers", conn)\n'
        '    return mailers.enqueue_at(when, "mailer_app.jobs.send_followup_email", user_id,\n'
        '                              job_id="reminder-%d" % user_id)\n'),
    "day_names": ("ex06b", '"30 8 * * 1-5"', '"30 8 * * mon-fri"'),
    "keywords_and_a_day_list": (
        "ex06b", SOLUTIONS.joinpath(SOLUTION_FILES["ex06b"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        '    register(func=jobs.send_daily_digest, name="weekday-digest", queue_name="default",\n'
        '             cron="30 08 * * 1,2,3,4,5")\n'
        '    register(func=jobs.scrape_status_page, name="scrape", queue_name="low",\n'
        "             interval=30.0)\n"),
    "milliseconds_claim": ("ex07a", "nx=True, ex=claim_seconds)",
                           "nx=True, px=claim_seconds * 1000)"),
    "claim_then_expire": (
        "ex07a", SOLUTIONS.joinpath(SOLUTION_FILES["ex07a"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        "    claimed = conn.set(key, 1, ex=claim_seconds, nx=True)\n"
        "    if not claimed:\n"
        "        return False\n"
        "    try:\n"
        "        send()\n"
        "    except Exception:\n"
        "        conn.delete(key)\n"
        "        raise\n"
        "    else:\n"
        "        conn.expire(key, ttl)  # the claim becomes the done mark\n"
        "        return True\n"),
    "allowlist_by_split": ("ex07b", '    module, dot, function = func_name.rpartition(".")\n',
                           '    *parts, function = func_name.split(".")\n'
                           '    module, dot = ".".join(parts), "." if parts else ""\n'),
    "one_regex": (
        "ex07b", SOLUTIONS.joinpath(SOLUTION_FILES["ex07b"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        "    import re  # noqa: PLC0415\n\n"
        "    if not isinstance(func_name, str):\n"
        "        return False\n"
        '    found = re.fullmatch(r"(.+)\\.([A-Za-z][A-Za-z0-9_]*)", func_name)\n'
        "    return found is not None and found.group(1) in list(modules)\n"),
    "enqueue_one_by_one": ("ex08a", ENQUEUE_MANY_08A,
                           f"for _ in range(n_jobs):\n        queue.enqueue({SLEEP_FOR_08A}, "
                           "seconds_per_job)"),
    "exit_stack": (
        "ex08a", SOLUTIONS.joinpath(SOLUTION_FILES["ex08a"]).read_text().split(
            "### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
        "    import contextlib  # noqa: PLC0415\n\n"
        "    for _ in range(n_jobs):\n"
        '        queue.enqueue("workbook.demo_jobs.sleep_for", seconds_per_job)\n'
        "    with contextlib.ExitStack() as cleanup:\n"
        "        t0 = time.monotonic()\n"
        "        workers = []\n"
        "        for _ in range(n_workers):\n"
        '            worker = services.start_worker(redis_url, ["default"], burst=True)\n'
        "            cleanup.callback(worker.stop)\n"
        "            workers.append(worker)\n"
        "        for worker in workers:\n"
        "            worker.wait()\n"
        "        seconds = time.monotonic() - t0\n"
        "    return len(queue.finished_job_registry.get_job_ids()), seconds\n"),
    "explicit_pipeline": ("ex08b", BULK,
                          "    with queue.connection.pipeline() as pipe:\n"
                          "        made = [queue.enqueue_call(jobs.send_welcome_email, "
                          "args=[user_id],\n"
                          '                                   job_id=f"welcome-{user_id}", '
                          "pipeline=pipe)\n"
                          "                for user_id in user_ids]\n"
                          "        pipe.execute()\n"
                          "    return made"),
    "pipeline_without_transaction": (
        "ex08b", BULK,
        "    with queue.connection.pipeline(transaction=False) as pipe:\n"
        "        made = queue.enqueue_many(\n"
        "            [Queue.prepare_data(jobs.send_welcome_email, [user_id], "
        'job_id="welcome-%s" % user_id)\n'
        "             for user_id in user_ids],\n"
        "            pipeline=pipe,\n"
        "        )\n"
        "        pipe.execute()\n"
        "    return made"),
}


def _run(exercise: str, right: str | tuple, replacement: str | tuple,
         tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the exercise's tests on its solution with ``right`` replaced (one edit or several)."""
    module = SOLUTION_FILES[exercise]
    source = (SOLUTIONS / module).read_text()
    edits = zip(*((right, replacement) if isinstance(right, tuple) else ((right,), (replacement,))),
                strict=True)
    for old, new in edits:
        assert old in source, f"the solution of {exercise} changed; update this edit"
        source = source.replace(old, new)
    (tmp_path / module).write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "exercises" / f"test_{module}"),
         f"--target={tmp_path}", "-q", "-p", "no:cacheprovider", "-p", "no:nbval",
         "--no-header", "-rf", "--tb=short"],
        capture_output=True, text=True, cwd=HERE.parent, timeout=300,
    )


@pytest.fixture(scope="module")
def quick_runs(request, tmp_path_factory):
    """The selected mutants and alternatives but the long 08a ones, three at a time."""
    kinds = {"test_mutant_is_caught": ("mutant", MUTANTS),
             "test_another_correct_answer_passes": ("alternative", ALTERNATIVES)}
    edits = {}
    for item in request.session.items:
        kind, table = kinds.get(getattr(item, "originalname", ""), (None, None))
        if kind and table[name := item.callspec.params["name"]][0] != "ex08a":
            edits[kind, name] = table[name][:3]
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(_run, *edit, tmp_path_factory.mktemp(key[1]))
                   for key, edit in edits.items()}
        return {key: future.result() for key, future in futures.items()}


def _result(kind, name, runs, tmp_path, table):
    if (kind, name) in runs:
        return runs[kind, name]
    return _run(*table[name][:3], tmp_path)


# Every mutant and alternative runs a child pytest, which starts a redis-server of its own.
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name, tmp_path, quick_runs):
    _, _, _, mistake, words = MUTANTS[name]
    result = _result("mutant", name, quick_runs, tmp_path, MUTANTS)
    assert result.returncode == 1, f"mutant {name} survived ({mistake}):\n{result.stdout[-2000:]}"
    assert " failed" in result.stdout.splitlines()[-1]
    if words:
        assert words in result.stdout, f"{name}: the failure does not say {words!r}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_another_correct_answer_passes(name, tmp_path, quick_runs):
    result = _result("alternative", name, quick_runs, tmp_path, ALTERNATIVES)
    assert result.returncode == 0, f"a correct answer ({name}) fails:\n{result.stdout[-2500:]}"


def test_every_exercise_has_three_mutants_and_two_alternatives():
    per_exercise = {exercise: 0 for exercise in SOLUTION_FILES}
    for exercise, *_ in MUTANTS.values():
        per_exercise[exercise] += 1
    assert min(per_exercise.values()) >= 3 and len(MUTANTS) >= 48, per_exercise
    alternatives = {exercise: 0 for exercise in SOLUTION_FILES}
    for exercise, *_ in ALTERNATIVES.values():
        alternatives[exercise] += 1
    assert min(alternatives.values()) >= 2, alternatives


def _solution_lines(source: str) -> list[str]:
    block = source.split("### BEGIN SOLUTION")[1:]
    lines = []
    for part in block:
        lines += [line.strip() for line in part.split("### END SOLUTION")[0].splitlines()]
    return [line for line in lines if len(line) > 20]


def _hints(source: str) -> str:
    """Both levels: the module docstring (level 1) and the HINT lines (level 2)."""
    docstring = source.split('"""')[1]
    level_two = [line.strip() for line in source.splitlines() if "### HINT:" in line]
    return docstring + "\n" + "\n".join(level_two)


@pytest.mark.parametrize("exercise", sorted(SOLUTION_FILES))
def test_no_hint_gives_a_line_of_the_answer_away(exercise):
    source = (SOLUTIONS / SOLUTION_FILES[exercise]).read_text()
    hints = " ".join(_hints(source).split())
    leaked = [line for line in _solution_lines(source) if " ".join(line.split()) in hints]
    assert leaked == [], f"{exercise}: a hint contains the answer's code: {leaked}"
    stub = (HERE.parent / "exercises" / SOLUTION_FILES[exercise]).read_text()
    assert "not started" in stub and "### HINT" not in stub, (
        f"{exercise}: the stub must say 'not started' and keep the API hint for hint()")
