{#
    md5 surrogate key over a list of columns, like dbt_utils.generate_surrogate_key (which is not
    installable here): each field is cast to text, nulls are replaced by a sentinel so that
    (null, 'a') and ('a', null) differ, and fields are joined with '-' before hashing.
#}
{% macro generate_surrogate_key(field_list) -%}

    {%- set fields = [] -%}

    {%- for field in field_list -%}
        {%- do fields.append(
            "coalesce(" ~ dbt.cast(field, dbt.type_string()) ~ ", '_crossdock_surrogate_key_null_')"
        ) -%}
        {%- if not loop.last -%}
            {%- do fields.append("'-'") -%}
        {%- endif -%}
    {%- endfor -%}

    {{ dbt.hash(dbt.concat(fields)) }}

{%- endmacro %}
