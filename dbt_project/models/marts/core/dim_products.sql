{#
    Products as a type-2 slowly changing dimension, derived from the order-line history in the
    lake (not a dbt snapshot: the warehouse is rebuilt from the lake, so versions must be too).

    Lines of a SKU are ordered by (ordered_at, order_id, line_number), a total order that does
    not depend on how files were read; a version starts at a line whose tracked attributes
    (seller_id, product_category, hs_code) differ from the previous line's, and ends when the
    next version starts. A change back to earlier values is a new version.

    Incremental (delete+insert by sku: every version of a touched SKU is rewritten). A SKU
    whose lines in the build's batch of files all come after its last built line (ordered_at
    strictly later) extends its history: the new lines are sequenced after its current version,
    whose attributes decide whether the first of them starts a new version, and its older
    versions are kept. Any other SKU with new lines (new, or a late line within its history) is
    recomputed from every line in the lake. Either way the result is the full refresh's.
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='sku',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}


with

order_lines as not materialized (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

{% if is_incremental() %}

batch_lines as (

    select * from order_lines
    where {{ in_build_batch() }}

),

built_versions as (

    select * from {{ this }}

),

{# a SKU extends its history when all its new lines come after its last built line #}
touched_skus as (

    select

        batch_lines.sku,
        coalesce(min(batch_lines.ordered_at) > min(current_versions.last_ordered_at), false) as is_extension

    from batch_lines

    left join built_versions as current_versions
        on
            batch_lines.sku = current_versions.sku
            and current_versions.is_current

    group by batch_lines.sku

),

{# the extended SKUs: their current version as one seed row, then their new lines #}
extension_rows as (

    select

        built_versions.sku,
        built_versions.seller_id,
        built_versions.product_category,
        built_versions.hs_code,
        built_versions.version_number as base_version_number,
        0 as row_order,
        built_versions.valid_from as ordered_at,
        {{ dbt.cast('null', dbt.type_string()) }} as order_id,
        {{ dbt.cast('null', dbt.type_int()) }} as line_number,
        built_versions.valid_from as row_valid_from,
        built_versions.last_ordered_at as row_last_ordered_at,
        built_versions.order_lines as row_order_lines

    from built_versions

    inner join touched_skus
        on
            built_versions.sku = touched_skus.sku
            and touched_skus.is_extension

    where built_versions.is_current

    union all

    select

        batch_lines.sku,
        batch_lines.seller_id,
        batch_lines.product_category,
        batch_lines.hs_code,
        null as base_version_number,
        1 as row_order,
        batch_lines.ordered_at,
        batch_lines.order_id,
        batch_lines.line_number,
        batch_lines.ordered_at as row_valid_from,
        batch_lines.ordered_at as row_last_ordered_at,
        1 as row_order_lines

    from batch_lines

    inner join touched_skus
        on
            batch_lines.sku = touched_skus.sku
            and touched_skus.is_extension

),

extension_sequenced as (

    select

        *,

        lag({{ generate_surrogate_key(['seller_id', 'product_category', 'hs_code']) }}) over (
            partition by sku
            order by row_order, ordered_at, order_id, line_number
        ) as previous_attributes_hash,

        {{ generate_surrogate_key(['seller_id', 'product_category', 'hs_code']) }} as attributes_hash,

        max(base_version_number) over (partition by sku) as current_version_number

    from extension_rows

),

extension_versions as (

    select

        sku,
        seller_id,
        product_category,
        hs_code,
        row_valid_from,
        row_last_ordered_at,
        row_order_lines,

        current_version_number + sum(
            case
                when previous_attributes_hash is not null and previous_attributes_hash != attributes_hash then 1
                else 0
            end
        ) over (
            partition by sku
            order by row_order, ordered_at, order_id, line_number
            rows between unbounded preceding and current row
        ) as version_number

    from extension_sequenced

),

{% endif %}

{# the SKUs recomputed from every line: all of them, or in an increment the touched ones that do not extend #}
lines_to_sequence as (

    select order_lines.*
    from order_lines
    {% if is_incremental() %}
    inner join touched_skus
        on
            order_lines.sku = touched_skus.sku
            and not touched_skus.is_extension
    {% endif %}

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

    from lines_to_sequence

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

    {% if is_incremental() %}

    union all

    {# the extended SKUs' older versions, unchanged #}
    select

        built_versions.sku,
        built_versions.version_number,
        built_versions.seller_id,
        built_versions.product_category,
        built_versions.hs_code,
        built_versions.valid_from,
        built_versions.last_ordered_at,
        built_versions.order_lines

    from built_versions

    inner join touched_skus
        on
            built_versions.sku = touched_skus.sku
            and touched_skus.is_extension

    where not built_versions.is_current

    union all

    {# their current version, grown by the new lines it keeps, and the versions the new lines start #}
    select

        sku,
        version_number,
        seller_id,
        product_category,
        hs_code,
        min(row_valid_from) as valid_from,
        max(row_last_ordered_at) as last_ordered_at,
        {{ dbt.cast('sum(row_order_lines)', dbt.type_bigint()) }} as order_lines

    from extension_versions

    group by
        sku,
        version_number,
        seller_id,
        product_category,
        hs_code

    {% endif %}

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
