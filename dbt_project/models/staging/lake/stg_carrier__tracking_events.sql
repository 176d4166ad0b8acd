with

source as (

    select * from {{ source('lake', 'carrier_tracking_events') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['_file_sha256', '_source_line', 'event_id']) }} as tracking_event_row_id,
        {{ dbt.cast('event_id', dbt.type_string()) }} as event_id,
        {{ dbt.cast('webhook_event_id', dbt.type_string()) }} as webhook_event_id,
        {{ dbt.cast('tracking_number', dbt.type_string()) }} as tracking_number,
        {{ dbt.cast('order_id', dbt.type_string()) }} as order_id,

        ---------- text
        {{ dbt.cast('carrier', dbt.type_string()) }} as carrier,
        {{ dbt.cast('service', dbt.type_string()) }} as service,
        {{ dbt.cast('origin_country', dbt.type_string()) }} as origin_country,
        {{ dbt.cast('destination_country', dbt.type_string()) }} as destination_country,
        {{ dbt.cast('tag', dbt.type_string()) }} as tag,
        {{ dbt.cast('subtag', dbt.type_string()) }} as subtag,
        {{ dbt.cast('message', dbt.type_string()) }} as message,
        {{ dbt.cast('location', dbt.type_string()) }} as location,
        {{ dbt.cast('event_country', dbt.type_string()) }} as event_country,

        ---------- timestamps (UTC)
        {{ dbt.cast('event_at', dbt.type_timestamp()) }} as event_at,
        {{ dbt.cast('sent_at', dbt.type_timestamp()) }} as sent_at,

        ---------- lineage
        {{ dbt.cast('_source_file', dbt.type_string()) }} as _source_file,
        {{ dbt.cast('_source_line', dbt.type_bigint()) }} as _source_line,
        {{ dbt.cast('_file_sha256', dbt.type_string()) }} as _file_sha256,
        {{ dbt.cast('delivery_date', 'date') }} as delivery_date

    from source

)

select * from final
