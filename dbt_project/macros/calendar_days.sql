{#
    One row per calendar day from start_date to end_date inclusive, in a column `date_day`.
    start_date and end_date are ISO date strings ('YYYY-MM-DD').
#}
{% macro calendar_days(start_date, end_date) -%}
    {{ return(adapter.dispatch('calendar_days', 'crossdock')(start_date, end_date)) }}
{%- endmacro %}

{# DuckDB: generate_series over dates, inclusive of both ends. #}
{% macro duckdb__calendar_days(start_date, end_date) -%}

    select
        {{ dbt.cast('generate_series', 'date') }} as date_day
    from generate_series(
        {{ dbt.cast("'" ~ start_date ~ "'", 'date') }},
        {{ dbt.cast("'" ~ end_date ~ "'", 'date') }},
        interval 1 day
    )

{%- endmacro %}

{# Other adapters: a recursive CTE adding one day at a time. #}
{% macro default__calendar_days(start_date, end_date) -%}

    with recursive calendar_days (date_day) as (

        select {{ dbt.cast("'" ~ start_date ~ "'", 'date') }}

        union all

        select {{ dbt.cast(dbt.dateadd('day', 1, 'date_day'), 'date') }}
        from calendar_days
        where date_day < {{ dbt.cast("'" ~ end_date ~ "'", 'date') }}

    )

    select date_day from calendar_days

{%- endmacro %}
