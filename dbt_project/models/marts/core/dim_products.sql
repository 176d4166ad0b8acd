{#
    Products as a type-2 slowly changing dimension, derived from the order-line history in the
    lake (not a dbt snapshot: the warehouse is rebuilt from the lake, so versions must be too).

    Lines of a SKU are ordered by (ordered_at, order_id, line_number), a total order that does
    not depend on how files were read; a version starts at a line whose tracked attributes
    (seller_id, product_category, hs_code) differ from the previous line's, and ends when the
    next version starts. A change back to earlier values is a new version.
#}

with

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

sequenced as (

    select

        sku,
        seller_id,
        product_category,
        hs_code,
        ordered_at,

        lag({{ generate_surrogate_key(['seller_id', 'product_category', 'hs_code']) }}) over (
            partition by sku
            order by ordered_at, order_id, line_number
        ) as previous_attributes_hash,

        {{ generate_surrogate_key(['seller_id', 'product_category', 'hs_code']) }} as attributes_hash,

        row_number() over (
            partition by sku
            order by ordered_at, order_id, line_number
        ) as line_sequence

    from order_lines

),

version_starts as (

    select

        *,

        sum(
            case
                when previous_attributes_hash is null or previous_attributes_hash != attributes_hash then 1
                else 0
            end
        ) over (
            partition by sku
            order by line_sequence
            rows between unbounded preceding and current row
        ) as version_number

    from sequenced

),

versions as (

    select

        sku,
        version_number,
        seller_id,
        product_category,
        hs_code,
        min(ordered_at) as valid_from,
        max(ordered_at) as last_ordered_at,
        count(*) as order_lines

    from version_starts

    group by
        sku,
        version_number,
        seller_id,
        product_category,
        hs_code

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['sku', 'version_number']) }} as product_key,
        sku,
        {{ dbt.cast('version_number', dbt.type_int()) }} as version_number,

        ---------- attributes
        seller_id,
        product_category,
        hs_code,

        ---------- validity
        valid_from,
        lead(valid_from) over (partition by sku order by version_number) as valid_to,
        lead(valid_from) over (partition by sku order by version_number) is null as is_current,

        ---------- activity
        last_ordered_at,
        order_lines

    from versions

)

select * from final
