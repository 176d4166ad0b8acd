with

source as (

    select * from {{ source('lake', 'inventory_snapshots') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['_file_sha256', '_source_line']) }} as inventory_snapshot_row_id,
        {{ dbt.cast('warehouse_id', dbt.type_string()) }} as warehouse_id,
        {{ dbt.cast('sku', dbt.type_string()) }} as sku,

        ---------- text
        {{ dbt.cast('warehouse_country', dbt.type_string()) }} as warehouse_country,

        ---------- numerics
        {{ dbt.cast('on_hand', dbt.type_int()) }} as on_hand,
        {{ dbt.cast('reserved', dbt.type_int()) }} as reserved,
        {{ dbt.cast('inbound', dbt.type_int()) }} as inbound,
        {{ dbt.cast('unsellable', dbt.type_int()) }} as unsellable,

        ---------- dates
        {{ dbt.cast('snapshot_date', 'date') }} as snapshot_date,

        ---------- lineage
        {{ dbt.cast('_source_file', dbt.type_string()) }} as _source_file,
        {{ dbt.cast('_source_line', dbt.type_bigint()) }} as _source_line,
        {{ dbt.cast('_file_sha256', dbt.type_string()) }} as _file_sha256,
        {{ dbt.cast('delivery_date', 'date') }} as delivery_date

    from source

)

select * from final
