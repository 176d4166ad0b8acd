{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='tracking_number',
        on_schema_change='fail',
    )
}}

{#
    One row per checkpoint (event_id). A redelivered webhook payload, in the same file or in a
    later one, repeats checkpoints with the same event_id: keep the earliest delivered copy
    (macros/deduplicate_tracking_events.sql).

    Incremental by shipment (delete+insert by tracking_number): a shipment is touched when a
    file of this build's batch (stg_crossdock__build_batch_files) holds a copy of any of its
    checkpoints; the touched shipments' copies are read again from the whole lake and
    de-duplicated. Exact whatever the copies' delivery days (late files, redeliveries), and a
    batch built twice (a failed build is retried with the same files) gives the same rows.
    `_dbt_invocation_id` marks the shipments the current dbt invocation rebuilt: the
    incremental children (fct_shipment_events, int_tracking_events_pivoted_to_shipments)
    recompute exactly those.
#}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

tracking_events as (

    select * from {{ ref('stg_carrier__tracking_events') }}

),

{% if is_incremental() %}

{#
    A second read of the staged rows, not of the tracking_events CTE: a CTE read twice is
    materialized whole by DuckDB (every copy in the lake), one read once is inlined.
#}
batch_shipments as (

    select distinct batch_copies.tracking_number
    from {{ ref('stg_carrier__tracking_events') }} as batch_copies
    where {{ in_build_batch('batch_copies') }}

),

{% endif %}

copies as (

    select tracking_events.*

    from tracking_events

    {% if is_incremental() %}
    where tracking_events.tracking_number in (select batch_shipments.tracking_number from batch_shipments)
    {% endif %}

),

deduplicated as (

    {{ deduplicate_tracking_events('copies') }}

),

final as (

    select

        *,
        '{{ invocation_id }}' as _dbt_invocation_id

    from deduplicated

)

select * from final
