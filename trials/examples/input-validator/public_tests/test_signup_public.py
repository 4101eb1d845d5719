from signup_validator import FieldError, is_valid, validate_signup


def test_valid_payload_has_no_errors():
    payload = {"email": "lee@example.com", "password": "Sunny-Day-42", "age": 29, "country": "CA"}
    assert validate_signup(payload) == []
    assert is_valid(payload)


def test_missing_fields_are_required():
    assert validate_signup({"email": "lee@example.com"}) == [
        FieldError("password", "required"),
        FieldError("age", "required"),
        FieldError("country", "required"),
    ]


def test_statement_example():
    errors = validate_signup({
        "email": "ann@example.com",
        "password": "annPASSWORD",
        "age": 12,
        "country": "GB",
        "interests": ["chess", " Chess ", ""],
        "nickname": "annie",
    })
    assert errors == [
        ("password", "missing_digit"),
        ("password", "contains_email"),
        ("age", "out_of_range"),
        ("interests[1]", "duplicate"),
        ("interests[2]", "empty"),
        ("nickname", "unknown_field"),
    ]
