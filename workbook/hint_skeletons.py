"""Level 3 of ``hint(exercise, 3)``: a skeleton with blanks, one per exercise (data only)."""

#: Level 3: each exercise's function bodies with the answer's key parts blanked out (``___``).
#: No line of a solution appears here whole: tests/test_hints.py checks that for every level.
SKELETONS = {
    "01a": '''
def push_job(conn, queue, payload):
    return conn.___(queue, ___(payload))

def pop_job(conn, queue, timeout=1):
    item = conn.___(queue, timeout=___)
    if item ___:
        return None
    return json.loads(___)  # item is a (key, value) pair
''',
    "01b": '''
def take(conn, queue, processing, timeout=1):
    item = conn.___(queue, processing, timeout, "___", "___")  # from which end, to which end
    return None if item is None else ___  # Redis gives bytes

def work_one(conn, queue, processing, handler, timeout=1):
    item = ___(conn, queue, processing, timeout)
    if item is None:
        return ___
    ___  # let the handler do its work first...
    conn.___(processing, 1, ___)  # ...and only then acknowledge
    return ___
''',
    "02a": '''
def build_welcome(name, address, sender):
    msg = EmailMessage()
    msg["From"] = ___
    msg["To"] = ___((___, ___))
    msg["Subject"] = ___  # "Welcome, Name!"
    msg.set_content(___)  # the text part greets the user by name
    msg.add_alternative(f"<h1>Welcome, {___}!</h1>...", subtype=___)
    return msg
''',
    "02b": '''
def timed_signup(base_url, name, email):
    body = json.dumps({"name": name, "email": email}).encode()
    request = urllib.request.Request(f"{base_url}/users", data=___, headers={___})
    started = ___
    try:
        with urllib.request.urlopen(___, timeout=60) as response:
            ___  # the whole answer has arrived only once it is read
            status = ___
    except ___ as err:  # an error status is an answer too
        ___
        status = ___
    return status, ___
''',
    "03a": '''
def send_welcome(user_id):
    from mailer_app.config import ___
    from mailer_app.jobs import ___

    return ___(user_id, "___", ___)


def enqueue_welcome(user_id, connection):
    from mailer_app.queues import ___

    return ___("___", connection).enqueue(
        ___, ___, job_id=___, unique=___
    )
''',
    "03b": '''
def to_job_args(value):
    if value is None or isinstance(value, ___):  # already plain JSON
        return value
    if isinstance(value, ___):  # a date or a datetime
        return ___
    if isinstance(value, ___):  # a Decimal or a UUID
        return ___
    if isinstance(value, ___):  # a list or a tuple
        return [___ for item in value]
    if isinstance(value, ___):  # a set or a frozenset
        return ___
    if isinstance(value, ___):  # a dict
        if not all(___ for key in value):
            raise TypeError(___)
        return {key: ___ for key, item in value.items()}
    raise ___
''',
    "04a": '''
def job_report(conn, job_id):
    try:
        job = Job.fetch(___, connection=conn, serializer=___)
    except ___:
        return {"id": job_id, "status": ___}
    status = job.___().___
    report = {"id": ___, "status": ___}
    if status == ___:
        report["result"] = ___
    elif status == ___:
        report["error"] = ___  # the last non-empty line of the traceback
    return report
''',
    "04b": '''
def backoff_retry(attempts, base):
    if attempts ___:
        raise ValueError(___)
    return Retry(max=___, interval=[___ for i in range(___)])

def enqueue_with_retry(queue, func, *args, attempts=3, base=10):
    return queue.enqueue(___, ___, retry=___)
''',
    "05a": '''
def queue_for(kind):
    routes = {
        "password_reset": ___, "login_code": ___,
        "welcome": ___, "followup": ___,
        "digest": ___, "report": ___, "scrape": ___,
    }
    return routes.___(kind, ___)

def enqueue_routed(conn, kind, func, *args):
    return get_queue(___, conn).___(___)
''',
    "05b": '''
def weighted_order(weights, rng):
    remaining = dict(weights)
    order = []
    while remaining:
        total = ___  # the weights still in the draw
        if total <= 0:
            ___  # only zero weights are left: they go last, in their given order
            break
        draw = ___  # somewhere between 0 and total
        for name, weight in ___:
            if weight <= 0:
                continue
            draw -= ___
            if draw ___:
                break
        order.___(name)
        ___  # and take it out of the draw
    return order
''',
    "06a": '''
def schedule_reminder(conn, user_id, when):
    if ___:  # a naive datetime
        raise ValueError(___)
    if ___:  # the past
        raise ValueError(___)
    return get_queue(___, conn).___(
        ___, ___, ___, job_id=___
    )
''',
    "06b": '''
def register_jobs():
    register(___, queue_name=___, interval=___, name=___)
    register(___, queue_name=___, cron="___ ___ * * ___", name=___)
''',
    "07a": '''
def send_once(conn, key, send, ttl=WEEK, claim_seconds=300):
    if not conn.set(key, "sending", ___):  # claim: only if absent, and let it expire
        return ___
    try:
        ___
    except ___:  # whatever went wrong, even Ctrl+C
        ___  # release the claim, so a retry can send
        raise
    conn.set(key, ___, ___)  # done, for ttl seconds
    return ___
''',
    "07b": '''
def is_allowed(func_name, modules):
    if ___:  # nothing, or not a string
        return False
    module, dot, function = func_name.___(".")
    if ___:  # no dot, or a module that is not exactly one of modules
        return False
    return ___ and ___  # a Python name, and not a private one
''',
    "08a": '''
def measure(redis_url, n_jobs, n_workers, seconds_per_job):
    queue = get_queue("default", get_connection(redis_url))
    queue.___([queue.prepare_data(___, [___]) for _ in range(___)])
    workers = []
    started = ___
    try:
        for _ in range(___):
            workers.append(services.start_worker(___, ["default"], ___, ___))
        for worker in ___:
            worker.___(timeout=300)
        elapsed = ___
    finally:
        for worker in ___:
            worker.___()
    return queue.___.count, elapsed
''',
    "08b": '''
def enqueue_welcomes(queue, user_ids):
    return queue.___([
        Queue.___(___, args=[___], job_id=___)
        for user_id in ___
    ])
''',
    "10a": '''
def take(connection, key, rate, burst=1):
    script = """
    local rate, burst = ___, ___  -- ARGV, as numbers
    local now = redis.call(___)  -- {seconds, microseconds}
    now = ___
    local tokens = tonumber(redis.call('HGET', KEYS[1], ___)) or ___
    local last = tonumber(redis.call('HGET', KEYS[1], ___)) or ___
    tokens = math.min(___, tokens + ___ * rate)  -- the refill since last time
    local wait = 0
    if tokens >= 1 then ___ else wait = ___ end
    redis.call('HSET', KEYS[1], ___)
    redis.call('EXPIRE', KEYS[1], ___)  -- until the bucket would be full again
    return ___(wait)  -- as text
    """
    return float(connection.___(script, 1, ___))
''',
}
