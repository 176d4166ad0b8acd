with

source as (

    select * from {{ source('lake', 'marketplace_order_lines') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['order_id', 'line_number']) }} as order_line_id,
        {{ dbt.cast('order_id', dbt.type_string()) }} as order_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        {{ dbt.cast('seller_id', dbt.type_string()) }} as seller_id,
        {{ dbt.cast('sku', dbt.type_string()) }} as sku,

        ---------- text
        {{ dbt.cast('platform', dbt.type_string()) }} as platform,
        {{ dbt.cast('product_category', dbt.type_string()) }} as product_category,
        {{ dbt.cast('hs_code', dbt.type_string()) }} as hs_code,
        {{ dbt.cast('currency', dbt.type_string()) }} as currency,
        {{ dbt.cast('ship_from_country', dbt.type_string()) }} as ship_from_country,
        {{ dbt.cast('ship_to_country', dbt.type_string()) }} as ship_to_country,
        {{ dbt.cast('order_status', dbt.type_string()) }} as order_status,

        ---------- numerics
        {{ dbt.cast('quantity', dbt.type_int()) }} as quantity,
        {{ dbt.cast('unit_price', 'decimal(18, 2)') }} as unit_price,

        ---------- dates and timestamps (UTC)
        {{ dbt.cast('ordered_at', dbt.type_timestamp()) }} as ordered_at,
        {{ dbt.cast('ship_by_date', 'date') }} as ship_by_date,
        {{ dbt.cast('promised_delivery_date', 'date') }} as promised_delivery_date,

        ---------- lineage
        {{ dbt.cast('_source_file', dbt.type_string()) }} as _source_file,
        {{ dbt.cast('_source_line', dbt.type_bigint()) }} as _source_line,
        {{ dbt.cast('_file_sha256', dbt.type_string()) }} as _file_sha256,
        {{ dbt.cast('delivery_date', 'date') }} as delivery_date

    from source

)

select * from final
