-- File versions rejected whole when they were loaded (ledger stage `load`, status `rejected`:
-- unreadable, a required column missing, a sharing level that does not allow them, ...). They
-- have no submission_id (nothing was loaded), so stg_raw__submission_ledger leaves them out.
-- Placement rejections (rewritten on every scan) and internal load failures (stage `failed`,
-- tried again next run) are not a coordinator's file version and are not here.
with

source as (

    select * from {{ source('raw', 'submission_ledger') }}

),

renamed as (

    select
        -- ids: a rejected version is its file and content
        {{ text_key(['source_file', 'file_sha256']) }} as rejected_file_key,
        jurisdiction_id,
        data_set,

        -- when and what
        received_at,
        status,
        rows_read

    from source
    where
        stage = 'load'
        and status = 'rejected'

)

select * from renamed
