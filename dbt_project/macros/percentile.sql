{#
    Continuous percentile (linear interpolation, like numpy's default) of `expression` at
    fraction `p` within the group. An aggregate: use it where an aggregate may appear.
#}
{% macro percentile(expression, p) -%}
    {{ return(adapter.dispatch('percentile', 'crossdock')(expression, p)) }}
{%- endmacro %}

{# DuckDB, Postgres, Snowflake: the ordered-set aggregate; interpolate in floating point. #}
{% macro default__percentile(expression, p) -%}
    percentile_cont({{ p }}) within group (order by {{ dbt.cast(expression, 'double precision') }})
{%- endmacro %}

{# Spark: percentile() is exact and interpolates the same way. #}
{% macro spark__percentile(expression, p) -%}
    percentile({{ dbt.cast(expression, 'double') }}, {{ p }})
{%- endmacro %}
