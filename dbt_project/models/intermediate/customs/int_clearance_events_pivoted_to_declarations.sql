{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='declaration_id',
        on_schema_change='fail',
    )
}}

{#
    One row per declaration that has clearance events: the first time each status was reached
    and the latest status. Two events at the same instant are ordered by the status
    progression LODGED < HELD < INSPECTED < RELEASED.

    Incremental (delete+insert by declaration_id): an increment recomputes, from every event in
    the lake, the declarations with an event in the build's batch of files.
#}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

all_clearance_events as not materialized (

    select * from {{ ref('stg_customs__clearance_events') }}

),

clearance_events as (

    select *
    from all_clearance_events
    {% if is_incremental() %}
    where
        declaration_id in (
            select batch_events.declaration_id
            from all_clearance_events as batch_events
            where {{ in_build_batch('batch_events') }}
        )
    {% endif %}

),

milestones as (

    select

        declaration_id,

        min(case when status = 'LODGED' then event_at end) as lodged_at,
        min(case when status = 'HELD' then event_at end) as held_at,
        min(case when status = 'INSPECTED' then event_at end) as inspected_at,
        min(case when status = 'RELEASED' then event_at end) as released_at,

        count(*) as clearance_event_count

    from clearance_events

    group by 1

),

latest_events as (

    select

        declaration_id,
        status as current_status,
        event_at as current_status_at,

        row_number() over (
            partition by declaration_id
            order by
                event_at desc,
                case status
                    when 'RELEASED' then 4
                    when 'INSPECTED' then 3
                    when 'HELD' then 2
                    when 'LODGED' then 1
                    else 0
                end desc
        ) as recency_rank

    from clearance_events

),

final as (

    select

        milestones.declaration_id,
        milestones.lodged_at,
        milestones.held_at,
        milestones.inspected_at,
        milestones.released_at,
        latest_events.current_status,
        latest_events.current_status_at,
        milestones.clearance_event_count

    from milestones

    inner join latest_events
        on
            milestones.declaration_id = latest_events.declaration_id
            and latest_events.recency_rank = 1

)

select * from final
