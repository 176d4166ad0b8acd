with

source as (

    select * from {{ source('crossdock', 'build_batch_files') }}

),

final as (

    select

        ----------  ids
        {{ dbt.cast('file_sha256', dbt.type_string()) }} as file_sha256,

        ---------- text
        {{ dbt.cast('entity', dbt.type_string()) }} as entity,

        ---------- dates
        {{ dbt.cast('delivery_date', 'date') }} as delivery_date

    from source

)

select * from final
