{#
    `amount` in `from_currency` expressed in `to_currency` through the EUR cross rate (rates are
    units per EUR, e.g. int_ecb_rates_filled_to_days.per_eur) and rounded to cents; unchanged
    when the two currencies are the same.
#}
{% macro convert_currency(amount, from_currency, to_currency, from_per_eur, to_per_eur) -%}
    case
        when {{ from_currency }} = {{ to_currency }} then {{ amount }}
        else round({{ amount }} / {{ from_per_eur }} * {{ to_per_eur }}, 2)
    end
{%- endmacro %}
