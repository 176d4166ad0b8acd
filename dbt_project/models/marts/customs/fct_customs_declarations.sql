with

declarations as (

    select * from {{ ref('stg_customs__declarations') }}

),

clearances as (

    select * from {{ ref('int_clearance_events_pivoted_to_declarations') }}

),

final as (

    select

        ----------  ids
        declarations.declaration_id,
        declarations.tracking_number,
        declarations.order_id,

        ---------- declaration
        declarations.broker,
        declarations.hs_code,
        substring(declarations.hs_code, 1, 2) as hs_chapter,
        declarations.goods_description,
        declarations.incoterm,
        declarations.origin_country,
        declarations.destination_country,
        declarations.currency,
        declarations.declared_value,
        declarations.duty_amount,
        declarations.vat_amount,
        declarations.declared_at,

        ---------- clearance milestones (UTC)
        clearances.lodged_at,
        clearances.held_at,
        clearances.inspected_at,
        clearances.released_at,
        clearances.held_at is not null as was_held,

        {{ dbt.cast(
            dbt.datediff('clearances.lodged_at', 'clearances.released_at', 'second') ~ ' / 3600.0',
            'decimal(18, 2)'
        ) }} as dwell_hours,

        ---------- current status
        clearances.current_status,
        clearances.current_status_at,
        coalesce(clearances.clearance_event_count, 0) as clearance_event_count

    from declarations

    left join clearances
        on declarations.declaration_id = clearances.declaration_id

)

select * from final
