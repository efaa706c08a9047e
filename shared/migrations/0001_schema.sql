-- Schema of the Muistotkartalla database (compatible with the original server's schema.sql).
-- Every statement is idempotent: running this file again, or on a database that the
-- original server created, changes nothing and loses nothing.
-- Statements are separated by lines holding only `-- @@` (routine bodies contain `;`).

CREATE TABLE IF NOT EXISTS languages (
    id INT NOT NULL AUTO_INCREMENT,
    lang VARCHAR(5) NOT NULL,
    CONSTRAINT pk_languages PRIMARY KEY (id),
    UNIQUE INDEX idx_lang (lang)
)
-- @@
-- `se` and `sv` are seeded too: the default configuration accepts them
-- (docs/compatibility.md#languages-must-be-configured-and-in-the-table).
INSERT IGNORE INTO languages (lang) VALUES ('fi'), ('en'), ('se'), ('sv')
-- @@
CREATE TABLE IF NOT EXISTS oauth_provides (
    id INT NOT NULL AUTO_INCREMENT,
    name VARCHAR(15) NOT NULL,
    CONSTRAINT pk_oauth_provides PRIMARY KEY (id),
    UNIQUE INDEX idx_oap_name (name)
)
-- @@
INSERT IGNORE INTO oauth_provides (name) VALUES ('google'), ('facebook'), ('twitter')
-- @@
CREATE TABLE IF NOT EXISTS users (
    id INT NOT NULL AUTO_INCREMENT,
    email VARCHAR(255) NULL DEFAULT NULL,
    username VARCHAR(255) NOT NULL,
    password_hash BINARY(60) NULL DEFAULT NULL,
    verified BOOLEAN NULL DEFAULT 0,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    created_at DATETIME NULL DEFAULT CURRENT_TIMESTAMP,
    image_id INT NULL,
    lang_id INT NULL,
    CONSTRAINT pk_users PRIMARY KEY (id),
    UNIQUE INDEX idx_users_email (email),
    UNIQUE INDEX idx_users_username (username),
    CONSTRAINT fk_users_language FOREIGN KEY (lang_id) REFERENCES languages (id)
)
-- @@
CREATE TABLE IF NOT EXISTS oauth_users (
    user_id INT NOT NULL,
    service_id INT NOT NULL,
    CONSTRAINT pk_oauth_users PRIMARY KEY (user_id, service_id),
    CONSTRAINT fk_oauth_users_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_oauth_users_service FOREIGN KEY (service_id) REFERENCES oauth_provides (id) ON DELETE CASCADE
)
-- @@
CREATE TABLE IF NOT EXISTS images (
    id INT NOT NULL AUTO_INCREMENT,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    uploader_id INT NULL,
    file_name VARCHAR(36) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL DEFAULT (UUID()),
    CONSTRAINT pk_images PRIMARY KEY (id),
    INDEX idx_images_uploader (uploader_id),
    CONSTRAINT fk_images_uploader FOREIGN KEY (uploader_id) REFERENCES users (id) ON DELETE SET NULL
)
-- @@
CREATE TABLE IF NOT EXISTS projects (
    id INT NOT NULL AUTO_INCREMENT,
    name VARCHAR(255) NOT NULL,
    image_id INT NULL DEFAULT NULL,
    starts DATETIME NULL DEFAULT NULL,
    ends DATETIME NULL DEFAULT NULL,
    admin_posting BOOLEAN NOT NULL DEFAULT 0,
    default_language_id INT NOT NULL,
    published BOOLEAN NOT NULL DEFAULT 0,
    modifier_id INT NULL,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_projects PRIMARY KEY (id),
    UNIQUE INDEX idx_project_name (name),
    INDEX idx_projects_status (published, ends, starts),
    CONSTRAINT fk_projects_logo FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE SET NULL,
    CONSTRAINT fk_projects_language FOREIGN KEY (default_language_id) REFERENCES languages (id),
    CONSTRAINT fk_projects_modifier FOREIGN KEY (modifier_id) REFERENCES users (id) ON DELETE SET NULL
)
-- @@
CREATE TABLE IF NOT EXISTS project_information (
    project_id INT NOT NULL,
    lang_id INT NOT NULL,
    name VARCHAR(255) NULL DEFAULT NULL,
    abstract TEXT NULL DEFAULT NULL,
    description LONGTEXT NULL DEFAULT NULL,
    modifier_id INT NULL,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_project_information PRIMARY KEY (project_id, lang_id),
    CONSTRAINT fk_project_information_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_project_information_language FOREIGN KEY (lang_id) REFERENCES languages (id),
    CONSTRAINT fk_project_information_modifier FOREIGN KEY (modifier_id) REFERENCES users (id) ON DELETE SET NULL
)
-- @@
CREATE TABLE IF NOT EXISTS project_contact (
    project_id INT NOT NULL,
    can_contact BOOLEAN NOT NULL DEFAULT 0,
    has_research_permit BOOLEAN NOT NULL DEFAULT 0,
    contact_email VARCHAR(255) NULL DEFAULT NULL,
    modifier_id INT NULL,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_project_contact PRIMARY KEY (project_id),
    CONSTRAINT fk_project_contact_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_project_contact_modifier FOREIGN KEY (modifier_id) REFERENCES users (id) ON DELETE SET NULL
)
-- @@
CREATE TABLE IF NOT EXISTS project_admins (
    project_id INT NOT NULL,
    user_id INT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_project_admins PRIMARY KEY (project_id, user_id),
    CONSTRAINT fk_project_admins_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_project_admins_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
CREATE TABLE IF NOT EXISTS sites (
    id INT NOT NULL AUTO_INCREMENT,
    project_id INT NOT NULL,
    name VARCHAR(255) NOT NULL,
    image_id INT NULL,
    published BOOLEAN NOT NULL DEFAULT 0,
    modifier_id INT NULL,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    creator_id INT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    location GEOMETRY NOT NULL,
    CONSTRAINT pk_sites PRIMARY KEY (id),
    UNIQUE INDEX idx_sites_name (name),
    INDEX idx_sites_published (published, project_id),
    SPATIAL INDEX idx_sites_coordinate (location),
    CONSTRAINT fk_sites_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_sites_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE SET NULL,
    CONSTRAINT fk_sites_modifier FOREIGN KEY (modifier_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT fg_sites_creator FOREIGN KEY (creator_id) REFERENCES users (id) ON DELETE SET NULL
)
-- @@
CREATE TABLE IF NOT EXISTS site_information (
    site_id INT NOT NULL,
    lang_id INT NOT NULL,
    name VARCHAR(255) NULL DEFAULT NULL,
    abstract TEXT NULL DEFAULT NULL,
    description LONGTEXT NULL DEFAULT NULL,
    modifier_id INT NULL,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_site_information PRIMARY KEY (site_id, lang_id),
    CONSTRAINT fk_site_information_site FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE,
    CONSTRAINT fk_site_information_language FOREIGN KEY (lang_id) REFERENCES languages (id),
    CONSTRAINT fk_site_information_modifier FOREIGN KEY (modifier_id) REFERENCES users (id) ON DELETE SET NULL
)
-- @@
CREATE TABLE IF NOT EXISTS memories (
    id INT NOT NULL AUTO_INCREMENT,
    site_id INT NOT NULL,
    user_id INT NULL,
    image_id INT NULL,
    title VARCHAR(255) NULL DEFAULT NULL,
    story TEXT NULL DEFAULT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    published BOOLEAN NOT NULL DEFAULT 0,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_comments PRIMARY KEY (id),
    INDEX idx_comments_per_user (published, user_id),
    INDEX idx_comments_published (published, site_id),
    CONSTRAINT fk_memories_site FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE,
    CONSTRAINT fk_memories_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT fk_memories_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE SET NULL
)
-- @@
CREATE TABLE IF NOT EXISTS comments (
    id INT NOT NULL AUTO_INCREMENT,
    memory_id INT NOT NULL,
    user_id INT NOT NULL,
    comment TEXT NULL DEFAULT NULL,
    published BOOLEAN NOT NULL DEFAULT 0,
    modified_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_comments PRIMARY KEY (id),
    INDEX idx_comments_per_user (published, user_id),
    INDEX idx_comments_published (published, memory_id),
    CONSTRAINT fk_comments_memory FOREIGN KEY (memory_id) REFERENCES memories (id) ON DELETE CASCADE,
    CONSTRAINT fk_comments_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
CREATE TABLE IF NOT EXISTS user_email_verifiers (
    user_id INT NOT NULL,
    verifier VARCHAR(255) NOT NULL,
    created_at DATETIME NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_user_email_verifiers PRIMARY KEY (user_id),
    INDEX idx_uev_date (created_at),
    CONSTRAINT fk_uev_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
CREATE TABLE IF NOT EXISTS user_personal_data (
    user_id INT NOT NULL,
    first_name VARCHAR(255) NULL DEFAULT NULL,
    last_name VARCHAR(255) NULL DEFAULT NULL,
    birth_date DATE NULL DEFAULT NULL,
    country VARCHAR(5) NULL DEFAULT NULL,
    city VARCHAR(255) NULL DEFAULT NULL,
    modified_at DATETIME NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    CONSTRAINT pk_user_personal_data PRIMARY KEY (user_id),
    INDEX idx_upd_name (last_name, first_name),
    INDEX idx_upd_location (country, city),
    INDEX idx_upd_birthdate (birth_date),
    CONSTRAINT fk_upd_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
CREATE TABLE IF NOT EXISTS superusers (
    user_id INT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_superusers PRIMARY KEY (user_id),
    CONSTRAINT fk_superusers_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
-- Abuse reports. The original declared these FKs without a delete rule, which blocks
-- deleting reported content and reporters
-- (docs/compatibility.md#audit-tables-no-longer-block-deletes); an existing database is
-- repaired by the migration runner (see db::migrate).
CREATE TABLE IF NOT EXISTS audit_comments (
    comment_id INT NOT NULL,
    user_id INT NOT NULL,
    CONSTRAINT pk_audit_comments PRIMARY KEY (comment_id, user_id),
    CONSTRAINT fk_audit_comments_comment FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE CASCADE,
    CONSTRAINT fk_audit_comments_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
CREATE TABLE IF NOT EXISTS audit_memories (
    memory_id INT NOT NULL,
    user_id INT NOT NULL,
    CONSTRAINT pk_audit_memories PRIMARY KEY (memory_id, user_id),
    CONSTRAINT fk_audit_memories_memory FOREIGN KEY (memory_id) REFERENCES memories (id) ON DELETE CASCADE,
    CONSTRAINT fk_audit_memories_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
