{#
    One row per (snapshot_date, warehouse_id, sku). A warehouse may resend a day's report; the
    row of the latest delivery wins (ties: the later file by sha256, then the later line), so the
    result does not depend on the order files were read in.

    Incremental (delete+insert by inventory_snapshot_id): an increment re-ranks, over every
    copy in the lake, the snapshot keys with a copy in the build's batch of files (a resent or
    late report included).
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='inventory_snapshot_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

all_inventory_snapshots as not materialized (

    select * from {{ ref('stg_marketplace__inventory_snapshots') }}

),

inventory_snapshots as (

    {{ rows_of_touched_keys('all_inventory_snapshots', ['snapshot_date', 'warehouse_id', 'sku']) }}

),

ranked as (

    select

        *,

        row_number() over (
            partition by snapshot_date, warehouse_id, sku
            order by delivery_date desc, _file_sha256 desc, _source_line desc
        ) as delivery_rank

    from inventory_snapshots

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['snapshot_date', 'warehouse_id', 'sku']) }} as inventory_snapshot_id,
        snapshot_date,
        warehouse_id,
        warehouse_country,
        sku,

        ---------- stock
        on_hand,
        reserved,
        inbound,
        unsellable,

        ---------- lineage
        _source_file,
        _source_line,
        delivery_date

    from ranked

    where delivery_rank = 1

)

select * from final
