{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
    )
}}

{#
    One row per order with import declarations: how many, and their duty and VAT summed in the
    declaration currency, for fct_landed_costs to allocate to the order's lines. Declarations of
    one order in different currencies would give two rows for the order and fail its unique test
    instead of being added up across currencies.

    Incremental (delete+insert by order_id): an increment recomputes, from every declaration in
    the lake, the orders with a declaration in the build's batch of files.
#}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

all_declarations as not materialized (

    select * from {{ ref('stg_customs__declarations') }}

),

declarations as (

    select *
    from all_declarations
    {% if is_incremental() %}
    where
        order_id in (
            select batch_declarations.order_id
            from all_declarations as batch_declarations
            where {{ in_build_batch('batch_declarations') }}
        )
    {% endif %}

),

final as (

    select

        order_id,
        currency,

        count(*) as declaration_count,
        sum(duty_amount) as duty_amount,
        sum(vat_amount) as vat_amount

    from declarations

    where order_id is not null

    group by 1, 2

)

select * from final
