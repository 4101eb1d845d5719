from retry_backoff import Response, RetryError, RetryPolicy, retry


def scripted(outcomes):
    outcomes = list(outcomes)

    def call():
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return call


def test_statement_example():
    sleeps = []
    call = scripted([Response(503), ConnectionError(), Response(503), Response(200)])
    policy = RetryPolicy(max_attempts=4, base_delay=1, multiplier=3, max_delay=5)
    result = retry(call, policy, sleep=sleeps.append, clock=lambda: 0.0)
    assert result.status == 200
    assert sleeps == [1.0, 3.0, 5.0]


def test_gives_up_with_retry_error():
    sleeps = []
    call = scripted([Response(503), Response(503)])
    try:
        retry(call, RetryPolicy(max_attempts=2), sleep=sleeps.append, clock=lambda: 0.0)
    except RetryError as err:
        assert err.attempts == 2
        assert err.last_response.status == 503
    else:
        raise AssertionError("RetryError expected")


def test_not_found_is_not_retried():
    call = scripted([Response(404)])
    assert retry(call, sleep=lambda s: None, clock=lambda: 0.0).status == 404
