import unittest

from signup_validator import ALLOWED_COUNTRIES, FieldError, is_valid, validate_signup


def valid_payload(**overrides):
    payload = {
        "email": "maria.lopez@example.org",
        "password": "Tr1cky-Horse",
        "age": 34,
        "country": "ES",
    }
    payload.update(overrides)
    return payload


class BasicsTest(unittest.TestCase):
    def test_minimal_and_full_valid_payloads(self):
        self.assertEqual(validate_signup(valid_payload()), [])
        full = valid_payload(interests=["hiking", "Jazz", "go"], newsletter=False)
        self.assertEqual(validate_signup(full), [])
        self.assertTrue(is_valid(full))
        self.assertTrue(is_valid(valid_payload(interests=None, newsletter=None)))

    def test_field_error_is_a_named_tuple(self):
        err = validate_signup(valid_payload(age=7))[0]
        self.assertIsInstance(err, FieldError)
        self.assertEqual(err.path, "age")
        self.assertEqual(err.code, "out_of_range")
        self.assertEqual(err, ("age", "out_of_range"))

    def test_non_dict_payload_raises_type_error(self):
        for bad in (None, [], "{}", [("email", "a@b.co")]):
            with self.assertRaises(TypeError):
                validate_signup(bad)

    def test_empty_payload_reports_all_required_fields(self):
        self.assertEqual(
            validate_signup({}),
            [("email", "required"), ("password", "required"), ("age", "required"), ("country", "required")],
        )
        self.assertFalse(is_valid({}))

    def test_required_none_counts_as_missing(self):
        self.assertEqual(
            validate_signup(valid_payload(email=None, country=None)),
            [("email", "required"), ("country", "required")],
        )

    def test_wrong_types_report_only_type(self):
        payload = valid_payload(
            email=["a@b.co"], password=12345678, age=True, country=1, interests="chess", newsletter="yes"
        )
        self.assertEqual(
            validate_signup(payload),
            [
                ("email", "type"),
                ("password", "type"),
                ("age", "type"),
                ("country", "type"),
                ("interests", "type"),
                ("newsletter", "type"),
            ],
        )
        self.assertEqual(validate_signup(valid_payload(age=30.0)), [("age", "type")])
        self.assertEqual(validate_signup(valid_payload(interests=("a",))), [("interests", "type")])
        self.assertEqual(validate_signup(valid_payload(newsletter=0)), [("newsletter", "type")])


class EmailTest(unittest.TestCase):
    def test_valid_emails(self):
        for email in ("a@b.co", "first.last+tag@mail.example.com", "x_y@sub-domain.io", "ÅSA@example.se"):
            self.assertEqual(validate_signup(valid_payload(email=email)), [], msg=repr(email))

    def test_invalid_emails(self):
        too_long = "a" * 245 + "@example.com"  # 257 characters
        for email in ("", "plain", "a@b", "@b.co", "a@@b.co", "a@b@c.co", "a@.b.co", "a@b..co",
                      "a@b.co.", "a b@c.co", "a@b.co\n", too_long):
            self.assertEqual(validate_signup(valid_payload(email=email)), [("email", "invalid_email")], msg=repr(email))

    def test_email_length_limit_is_inclusive(self):
        email = "a" * 242 + "@example.com"  # exactly 254 characters
        self.assertEqual(len(email), 254)
        self.assertEqual(validate_signup(valid_payload(email=email)), [])


class PasswordRulesTest(unittest.TestCase):
    def codes(self, password, email="someone@example.com"):
        return [e.code for e in validate_signup(valid_payload(password=password, email=email)) if e.path == "password"]

    def test_every_failed_rule_is_reported_in_order(self):
        self.assertEqual(self.codes("abc"), ["too_short", "missing_uppercase", "missing_digit"])
        self.assertEqual(self.codes(""), ["too_short", "missing_lowercase", "missing_uppercase", "missing_digit"])
        self.assertEqual(self.codes("ABCDEFGH1"), ["missing_lowercase"])

    def test_length_boundaries(self):
        self.assertEqual(self.codes("Abcdef1x"), [])          # 8
        self.assertEqual(self.codes("Abcdef1"), ["too_short"])  # 7
        self.assertEqual(self.codes("A1" + "b" * 62), [])       # 64
        self.assertEqual(self.codes("A1" + "b" * 63), ["too_long"])

    def test_character_classes_are_ascii_only(self):
        self.assertEqual(self.codes("ÄÖÜäöü١٢٣xx"), ["missing_uppercase", "missing_digit"])
        self.assertEqual(self.codes("éééééé1A"), ["missing_lowercase"])

    def test_contains_email_local_part(self):
        self.assertEqual(self.codes("xxMaria.Lopez9", email="maria.lopez@example.org"), ["contains_email"])
        self.assertEqual(self.codes("Bob12345bob", email="bob@example.org"), ["contains_email"])
        # local part shorter than 3 characters: not checked
        self.assertEqual(self.codes("Jo12345jo", email="jo@example.org"), [])
        # invalid email: not checked, only the email error
        self.assertEqual(
            validate_signup(valid_payload(email="bob@nowhere", password="Bob12345bob")),
            [("email", "invalid_email")],
        )
        # email of the wrong type: not checked
        self.assertEqual(self.codes("Bob12345bob", email=None), [])

    def test_all_six_rules_at_once(self):
        long_pw = "ann" * 30  # 90 chars, only lowercase
        self.assertEqual(
            self.codes(long_pw, email="ann@example.com"),
            ["too_long", "missing_uppercase", "missing_digit", "contains_email"],
        )


class OtherFieldsTest(unittest.TestCase):
    def test_age_range_is_inclusive(self):
        for age, expected in ((12, [("age", "out_of_range")]), (13, []), (120, []),
                              (121, [("age", "out_of_range")]), (-1, [("age", "out_of_range")])):
            self.assertEqual(validate_signup(valid_payload(age=age)), expected, msg=repr(age))

    def test_country_must_be_in_allow_list(self):
        self.assertEqual(len(ALLOWED_COUNTRIES), 14)
        for code in sorted(ALLOWED_COUNTRIES):
            self.assertEqual(validate_signup(valid_payload(country=code)), [], msg=repr(code))
        for code in ("us", "USA", "XX", "", " US"):
            self.assertEqual(validate_signup(valid_payload(country=code)), [("country", "unknown_country")], msg=repr(code))

    def test_interest_items(self):
        interests = ["Chess", 42, "   ", "x" * 31, " chess", "CHESS", " " + "y" * 30 + " ", None]
        self.assertEqual(
            validate_signup(valid_payload(interests=interests)),
            [
                ("interests", "too_many"),
                ("interests[1]", "type"),
                ("interests[2]", "empty"),
                ("interests[3]", "too_long"),
                ("interests[4]", "duplicate"),
                ("interests[5]", "duplicate"),
                ("interests[7]", "type"),
            ],
        )
        self.assertEqual(validate_signup(valid_payload(interests=[])), [])
        self.assertEqual(validate_signup(valid_payload(interests=list("abcde"))), [])
        self.assertEqual(validate_signup(valid_payload(interests=list("abcdef"))), [("interests", "too_many")])

    def test_unknown_fields_sorted_after_known_errors(self):
        payload = valid_payload(zeta=1, Alpha=2, beta=None, newsletter="no", age=200)
        payload[7] = "numeric key"
        self.assertEqual(
            validate_signup(payload),
            [
                ("age", "out_of_range"),
                ("newsletter", "type"),
                ("7", "unknown_field"),
                ("Alpha", "unknown_field"),
                ("beta", "unknown_field"),
                ("zeta", "unknown_field"),
            ],
        )

    def test_statement_example(self):
        self.assertEqual(
            validate_signup({
                "email": "ann@example.com",
                "password": "annPASSWORD",
                "age": 12,
                "country": "GB",
                "interests": ["chess", " Chess ", ""],
                "nickname": "annie",
            }),
            [
                FieldError("password", "missing_digit"),
                FieldError("password", "contains_email"),
                FieldError("age", "out_of_range"),
                FieldError("interests[1]", "duplicate"),
                FieldError("interests[2]", "empty"),
                FieldError("nickname", "unknown_field"),
            ],
        )

    def test_payload_is_not_modified(self):
        payload = valid_payload(interests=[" Chess "], extra=1)
        snapshot = {k: (list(v) if isinstance(v, list) else v) for k, v in payload.items()}
        validate_signup(payload)
        self.assertEqual(payload, snapshot)
