{#
    One row per order with import declarations: how many, and their duty and VAT summed in the
    declaration currency, for fct_landed_costs to allocate to the order's lines. Declarations of
    one order in different currencies would give two rows for the order and fail its unique test
    instead of being added up across currencies.
#}

with

declarations as (

    select * from {{ ref('stg_customs__declarations') }}

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
