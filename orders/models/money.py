"""How the orders models store money: ``DecimalField(**MONEY)`` beside a currency code."""

MONEY = {"max_digits": 12, "decimal_places": 2}
