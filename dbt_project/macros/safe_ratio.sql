{#
    numerator / denominator in floating point, null when the denominator is 0 or null (a rate
    over an empty group). Parenthesised so that it composes inside larger expressions.
#}
{% macro safe_ratio(numerator, denominator) -%}
    ({{ dbt.cast(numerator, 'double precision') }} / nullif({{ denominator }}, 0))
{%- endmacro %}
