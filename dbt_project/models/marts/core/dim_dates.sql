with

calendar_days as (

    {{ calendar_days('2015-01-01', '2030-12-31') }}

),

final as (

    select

        ----------  ids
        date_day,

        ---------- calendar
        {{ dbt.cast('extract(year from date_day)', dbt.type_int()) }} as year,
        {{ dbt.cast('extract(quarter from date_day)', dbt.type_int()) }} as quarter,
        {{ dbt.cast('extract(month from date_day)', dbt.type_int()) }} as month,
        {{ dbt.cast('extract(day from date_day)', dbt.type_int()) }} as day_of_month,

        ---------- ISO 8601 week
        {{ dbt.cast('extract(isoyear from date_day)', dbt.type_int()) }} as iso_year,
        {{ dbt.cast('extract(week from date_day)', dbt.type_int()) }} as iso_week,
        {{ dbt.cast('extract(isodow from date_day)', dbt.type_int()) }} as day_of_week,

        ---------- flags
        extract(isodow from date_day) in (6, 7) as is_weekend

    from calendar_days

)

select * from final
